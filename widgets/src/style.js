/** The widget's stylesheet, scoped to its shadow root: page CSS cannot reach in, this cannot leak out. */
import { h } from "./dom.js";

// Pixels, not rem: rem would follow the host page's root font size.
const CSS = `
.box{position:fixed;z-index:2147483647;box-sizing:border-box;width:360px;max-width:calc(100vw - 16px);max-height:calc(100vh - 16px);overflow:auto;padding:16px;background:var(--gw-bg);color:var(--gw-fg);font:14px/1.4 var(--gw-font);text-align:start;border:1px solid rgba(128,128,128,.3);border-radius:var(--gw-radius);box-shadow:0 8px 30px rgba(0,0,0,.2)}
.bottom-right{right:8px;bottom:8px}
.bottom-left{left:8px;bottom:8px}
.center{left:50%;top:50%;transform:translate(-50%,-50%)}
button,textarea{font:inherit;color:inherit;background:none;margin:0;border:1px solid rgba(128,128,128,.45);border-radius:calc(var(--gw-radius)/2)}
button{cursor:pointer;padding:8px 10px}
:focus-visible{outline:2px solid var(--gw-accent);outline-offset:2px}
.q{margin:0 0 12px;padding-inline-end:28px;font-size:15px;font-weight:600;overflow-wrap:anywhere}
.q:focus{outline:0}
.x{position:absolute;top:8px;inset-inline-end:8px;width:28px;height:28px;padding:0;border:0;font-size:20px;line-height:1;opacity:.7}
.row{display:flex;gap:3px}
.row button{flex:1 1 0;min-width:0;padding:8px 0}
.col{display:flex;flex-direction:column;gap:6px}
.col button{text-align:start;overflow-wrap:anywhere}
.o:hover{border-color:var(--gw-accent)}
[aria-checked=true]{background:var(--gw-accent);color:var(--gw-on-accent);border-color:var(--gw-accent)}
.ends{display:flex;justify-content:space-between;gap:8px;margin-top:6px;font-size:12px;opacity:.75}
textarea{display:block;box-sizing:border-box;width:100%;min-height:88px;padding:8px;resize:vertical}
.go{display:block;width:100%;margin-top:12px;padding:10px;border:0;background:var(--gw-accent);color:var(--gw-on-accent);font-weight:600}
.go:disabled{opacity:.5;cursor:default}
.skip{margin-top:8px;padding:4px 0;border:0;font-size:13px;text-decoration:underline;opacity:.8}
`;

/**
 * Style `root`. A constructed stylesheet needs no CSP allowance at all; where those are missing,
 * a <style> element carrying the page's CSP nonce.
 */
export function adopt(root, nonce) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.appendChild(h("style", { nonce }, CSS));
  }
}
