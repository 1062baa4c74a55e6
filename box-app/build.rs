fn main() {
    // The kiosk's static front end is embedded by `generate_context!`.
    println!("cargo:rerun-if-changed=ui");
    tauri_build::build()
}
