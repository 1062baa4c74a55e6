// No console window behind the desk app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    schalter_desk::run();
}
