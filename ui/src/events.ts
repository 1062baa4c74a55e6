/** What the desk core pushes to the window: Tauri events behind a small interface tests can drive. */
import { listen } from "@tauri-apps/api/event";
import { EVENTS, type ConnectionView, type PhotoView, type SessionEvent, type SyncView, type UpdateView } from "./bindings";

export type Unlisten = () => void;

export interface DeskEvents {
  /** Every change of the connection to the central API. */
  onConnection(handler: (view: ConnectionView) => void): Promise<Unlisten>;
  /** The session now (refreshed expiry), or null with the reason it ended. */
  onSession(handler: (event: SessionEvent) => void): Promise<Unlisten>;
  /** The outbox and the sync engine, anew after every step. */
  onSync(handler: (view: SyncView) => void): Promise<Unlisten>;
  /** A photo whose fetch had to wait for the photo cloud arrived. */
  onPhoto(handler: (view: PhotoView) => void): Promise<Unlisten>;
  /** A newer release was found (or handed to the installer). */
  onUpdate(handler: (view: UpdateView) => void): Promise<Unlisten>;
}

export const tauriEvents: DeskEvents = {
  onConnection: (handler) => listen<ConnectionView>(EVENTS.connection, (event) => handler(event.payload)),
  onSession: (handler) => listen<SessionEvent>(EVENTS.session, (event) => handler(event.payload)),
  onSync: (handler) => listen<SyncView>(EVENTS.sync, (event) => handler(event.payload)),
  onPhoto: (handler) => listen<PhotoView>(EVENTS.photo, (event) => handler(event.payload)),
  onUpdate: (handler) => listen<UpdateView>(EVENTS.update, (event) => handler(event.payload)),
};

/** Events emitted by hand, for tests and for a window without the desk core. */
export class ManualEvents implements DeskEvents {
  private connection = new Set<(view: ConnectionView) => void>();
  private session = new Set<(event: SessionEvent) => void>();
  private sync = new Set<(view: SyncView) => void>();
  private photo = new Set<(view: PhotoView) => void>();
  private update = new Set<(view: UpdateView) => void>();

  async onConnection(handler: (view: ConnectionView) => void): Promise<Unlisten> {
    this.connection.add(handler);
    return () => this.connection.delete(handler);
  }

  async onSession(handler: (event: SessionEvent) => void): Promise<Unlisten> {
    this.session.add(handler);
    return () => this.session.delete(handler);
  }

  async onSync(handler: (view: SyncView) => void): Promise<Unlisten> {
    this.sync.add(handler);
    return () => this.sync.delete(handler);
  }

  async onPhoto(handler: (view: PhotoView) => void): Promise<Unlisten> {
    this.photo.add(handler);
    return () => this.photo.delete(handler);
  }

  async onUpdate(handler: (view: UpdateView) => void): Promise<Unlisten> {
    this.update.add(handler);
    return () => this.update.delete(handler);
  }

  emitUpdate(view: UpdateView): void {
    for (const handler of [...this.update]) handler(view);
  }

  emitPhoto(view: PhotoView): void {
    for (const handler of [...this.photo]) handler(view);
  }

  emitSync(view: SyncView): void {
    for (const handler of [...this.sync]) handler(view);
  }

  emitConnection(view: ConnectionView): void {
    for (const handler of [...this.connection]) handler(view);
  }

  emitSession(event: SessionEvent): void {
    for (const handler of [...this.session]) handler(event);
  }

  get listeners(): number {
    return this.connection.size + this.session.size + this.sync.size + this.photo.size + this.update.size;
  }
}
