fn main() {
    // `generate_context!` embeds the built UI; without this a rebuilt `ui/dist` would not reach
    // an already compiled desk binary.
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
