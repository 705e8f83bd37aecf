/** widgets.js: defines window.gapwiseWidgets = {render, version} once, for the tracker to call. */
import { render } from "./widget.js";

if (!window.gapwiseWidgets) window.gapwiseWidgets = { render, version: __VERSION__ };
