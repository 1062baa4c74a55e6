// Generated from Rust by `src-tauri/src/bindings.rs`: do not edit.
// Regenerate: UPDATE_SNAPSHOTS=1 cargo test -p schalter-desk bindings
// Every command rejects with a `UiError` ({ code, message }).

import { invoke } from "@tauri-apps/api/core";

export type Role = "clerk" | "supervisor" | "admin";

export type UiError = { code: string, message: string, };

export type LoginArgs = { username: string, password: string, };

export type SessionView = { display_name: string, username: string, role: Role, office_id: string, office_name: string, 
/**
 * RFC 3339.
 */
expires_at: string, };

export type ConnectionView = { online: boolean, central_url: string, 
/**
 * RFC 3339 time of the last answer from the central API, if any.
 */
last_contact: string | null, 
/**
 * RFC 3339 time of the last completed sync, if any.
 */
last_sync: string | null, };

export const commands = {
  login: (args: LoginArgs): Promise<SessionView> => invoke("login", { args }),
  logout: (): Promise<null> => invoke("logout"),
  currentSession: (): Promise<SessionView | null> => invoke("current_session"),
  connectionStatus: (): Promise<ConnectionView> => invoke("connection_status"),
  checkConnection: (): Promise<ConnectionView> => invoke("check_connection"),
};
