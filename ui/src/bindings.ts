// Generated from Rust by `src-tauri/src/bindings.rs`: do not edit.
// Regenerate: UPDATE_SNAPSHOTS=1 cargo test -p schalter-desk bindings
// Every command rejects with a `UiError` ({ code, message }).

import { invoke, type Channel } from "@tauri-apps/api/core";

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

export type PhotoCheckView = { id: string, passed: boolean, message: string, };

export type PhotoView = { photo_id: string, cloud_url: string, algorithm: string, 
/**
 * The studio's "Nutzerkennung", stored with the application.
 */
user_identifier: string, width: number, height: number, checks: Array<PhotoCheckView>, all_passed: boolean, 
/**
 * `data:image/jpeg;base64,…`, shown in the window; never logged.
 */
image_data_url: string, };

export type PhotoDecisionView = { photo_id: string, accepted: boolean, 
/**
 * Deleted in the cloud (accepted without keeping).
 */
deleted_in_cloud: boolean, 
/**
 * `YYYY-MM-DD` if the cloud keeps it for reuse.
 */
kept_until: string | null, };

export type PhotoDecisionArgs = { photo_id: string, accept: boolean, 
/**
 * `YYYY-MM-DD`: keep in the cloud for reuse until then instead of deleting.
 */
keep_until: string | null, };

export const commands = {
  login: (args: LoginArgs): Promise<SessionView> => invoke("login", { args }),
  logout: (): Promise<null> => invoke("logout"),
  currentSession: (): Promise<SessionView | null> => invoke("current_session"),
  connectionStatus: (): Promise<ConnectionView> => invoke("connection_status"),
  checkConnection: (): Promise<ConnectionView> => invoke("check_connection"),
  fetchPhoto: (code: string): Promise<PhotoView> => invoke("fetch_photo", { code }),
  readCodeImage: (image: Uint8Array): Promise<string> => invoke("read_code_image", image),
  scanCamera: (preview: Channel<ArrayBuffer>): Promise<string | null> => invoke("scan_camera", { preview }),
  stopCamera: (): Promise<null> => invoke("stop_camera"),
  decidePhoto: (args: PhotoDecisionArgs): Promise<PhotoDecisionView> => invoke("decide_photo", { args }),
};
