use std::path::PathBuf;

pub struct Options {
    pub config_path: PathBuf,
}

pub enum Action {
    Run(Options),
    Exit(String),
}

const USAGE: &str = "schalter-box [--config DATEI]\n\n\
Das Terminal der Dokumentenausgabebox.\n\
Konfiguration: --config, sonst $SCHALTER_BOX_CONFIG, sonst ~/.config/schalter/box.toml.\n\
SCHALTER_DISABLE_DMABUF=1 schaltet den DMA-BUF-Renderer ab (leeres Fenster auf manchen Grafikkarten).";

impl Options {
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Action, String> {
        let mut config_path = None;
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--config" => config_path = Some(PathBuf::from(args.next().ok_or("--config braucht einen Dateipfad")?)),
                "--version" | "-V" => return Ok(Action::Exit(format!("schalter-box {}", env!("CARGO_PKG_VERSION")))),
                "--help" | "-h" => return Ok(Action::Exit(USAGE.to_owned())),
                other => return Err(format!("Unbekanntes Argument {other:?}\n\n{USAGE}")),
            }
        }
        let config_path = config_path
            .or_else(|| std::env::var_os("SCHALTER_BOX_CONFIG").map(PathBuf::from))
            .unwrap_or_else(default_config_path);
        Ok(Action::Run(Options { config_path }))
    }
}

fn default_config_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("schalter").join("box.toml")
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCHALTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
