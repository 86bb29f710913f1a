/**
 * uPlot and its stylesheet, loaded with the first chart (`import("./uplot")`): a chunk of their
 * own, so the desk's first paint does not carry them.
 */
import "./safe-locale";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export default uPlot;
