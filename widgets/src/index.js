/** widgets.js: defines window.gapwiseWidgets = {render, version} once, for the tracker to call. */
import { renderNudge } from "./nudge.js";
import { render } from "./widget.js";

// The tracker's line holds surveys and nudges (which carry a nudgeId): each goes to its renderer.
const show = (item, hooks) => (item && item.nudgeId ? renderNudge : render)(item, hooks);

if (!window.gapwiseWidgets) window.gapwiseWidgets = { render: show, version: __VERSION__ };
