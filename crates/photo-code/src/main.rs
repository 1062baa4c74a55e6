//! `photo-code inspect <payload-or-image-file>`: parses a TR-03170 photo code and prints
//! its fields as JSON, never the key. It only parses: it contacts nothing and checks no
//! trust, so codes of any cloud in the field can be examined.

use std::path::Path;
use std::process::ExitCode;

use schalter_photo::PhotoCode;

const USAGE: &str = "photo-code inspect <Base64-Code | Bilddatei.png | Bilddatei.jpg>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [command, input] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if command != "inspect" {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    match inspect(input) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            println!("{}", serde_json::json!({ "error": { "code": code, "message": message } }));
            eprintln!("photo-code: {code}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn inspect(input: &str) -> Result<String, (&'static str, String)> {
    let text = if Path::new(input).is_file() {
        let bytes = std::fs::read(input).map_err(|e| ("unreadable_file", e.to_string()))?;
        schalter_scan::decode_image_file(&bytes).map_err(|e| (e.code(), e.to_string()))?.text
    } else {
        input.to_owned()
    };
    let code = PhotoCode::parse(&text).map_err(|e| (e.code(), e.to_string()))?;
    serde_json::to_string_pretty(&code.summary()).map_err(|e| ("internal", e.to_string()))
}
