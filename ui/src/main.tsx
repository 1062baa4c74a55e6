import { render } from "preact";
import { commands } from "./bindings";
import { App } from "./app";
import "./styles.css";

render(<App api={commands} />, document.getElementById("app")!);
