/** What the desk core pushes to the window: Tauri events behind a small interface tests can drive. */
import { listen } from "@tauri-apps/api/event";
import { EVENTS, type ConnectionView, type SessionEvent } from "./bindings";

export type Unlisten = () => void;

export interface DeskEvents {
  /** Every change of the connection to the central API. */
  onConnection(handler: (view: ConnectionView) => void): Promise<Unlisten>;
  /** The session now (refreshed expiry), or null with the reason it ended. */
  onSession(handler: (event: SessionEvent) => void): Promise<Unlisten>;
}

export const tauriEvents: DeskEvents = {
  onConnection: (handler) => listen<ConnectionView>(EVENTS.connection, (event) => handler(event.payload)),
  onSession: (handler) => listen<SessionEvent>(EVENTS.session, (event) => handler(event.payload)),
};

/** Events emitted by hand, for tests and for a window without the desk core. */
export class ManualEvents implements DeskEvents {
  private connection = new Set<(view: ConnectionView) => void>();
  private session = new Set<(event: SessionEvent) => void>();

  async onConnection(handler: (view: ConnectionView) => void): Promise<Unlisten> {
    this.connection.add(handler);
    return () => this.connection.delete(handler);
  }

  async onSession(handler: (event: SessionEvent) => void): Promise<Unlisten> {
    this.session.add(handler);
    return () => this.session.delete(handler);
  }

  emitConnection(view: ConnectionView): void {
    for (const handler of [...this.connection]) handler(view);
  }

  emitSession(event: SessionEvent): void {
    for (const handler of [...this.session]) handler(event);
  }

  get listeners(): number {
    return this.connection.size + this.session.size;
  }
}
