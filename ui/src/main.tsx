import { render } from "preact";
import { commands } from "./bindings";
import { App } from "./app";
import { tauriEvents } from "./events";
import "./styles.css";

render(<App api={commands} events={tauriEvents} />, document.getElementById("app")!);
