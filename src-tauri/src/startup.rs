use std::path::PathBuf;

use schalter_desk_core::{ConfigFiles, DeskConfig};

pub struct Options {
    /// The managed file (authoritative when it exists) and the user's file (comfort settings only then).
    pub config: ConfigFiles,
}

pub enum Action {
    Run(Options),
    Exit(String),
}

const USAGE: &str = "schalter-desk [--config DATEI]\n\n\
Konfiguration: die verwaltete Datei /etc/schalter/desk.toml (Windows: %ProgramData%\\Schalter\\desk.toml) gilt,\n\
wenn sie da ist; die eigene Datei (--config, sonst $SCHALTER_DESK_CONFIG, sonst ~/.config/schalter/desk.toml)\n\
darf dann nur noch disable_dmabuf_renderer und [camera] device setzen. Ohne verwaltete Datei ist die eigene\n\
Datei die ganze Konfiguration (Entwicklung, Vorführung).\n\
SCHALTER_DISABLE_DMABUF=1 schaltet den DMA-BUF-Renderer ab (leeres Fenster auf manchen Grafikkarten).";

impl Options {
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Action, String> {
        let mut config_path = None;
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--config" => config_path = Some(PathBuf::from(args.next().ok_or("--config braucht einen Dateipfad")?)),
                "--version" | "-V" => return Ok(Action::Exit(format!("schalter-desk {}", env!("CARGO_PKG_VERSION")))),
                "--help" | "-h" => return Ok(Action::Exit(USAGE.to_owned())),
                other => return Err(format!("Unbekanntes Argument {other:?}\n\n{USAGE}")),
            }
        }
        // `--config` names the user's file, never a replacement of the managed one: it cannot bypass it.
        let user = config_path
            .or_else(|| std::env::var_os("SCHALTER_DESK_CONFIG").map(PathBuf::from))
            .unwrap_or_else(default_config_path);
        Ok(Action::Run(Options { config: ConfigFiles { managed: schalter_desk_core::managed_config_path(), user } }))
    }
}

fn default_config_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("schalter").join("desk.toml")
}

pub fn dmabuf_renderer_disabled(config: Option<&DeskConfig>) -> bool {
    let from_env = std::env::var("SCHALTER_DISABLE_DMABUF").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    from_env || config.is_some_and(|c| c.disable_dmabuf_renderer)
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCHALTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
