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
.col button::before{content:"";display:inline-block;box-sizing:border-box;width:14px;height:14px;margin-inline-end:8px;vertical-align:-2px;border:1px solid currentColor;border-radius:50%;font-size:11px;line-height:12px;text-align:center}
.col [role=checkbox]::before{border-radius:3px}
.col [aria-checked=true]::before{content:"\\2713";border-color:var(--gw-on-accent)}
.o:hover{border-color:var(--gw-accent)}
[aria-checked=true]{background:var(--gw-accent);color:var(--gw-on-accent);border-color:var(--gw-accent)}
.ends{display:flex;justify-content:space-between;gap:8px;margin-top:6px;font-size:12px;opacity:.75}
textarea{display:block;box-sizing:border-box;width:100%;min-height:88px;padding:8px;resize:vertical}
.go{display:block;width:100%;margin-top:12px;padding:10px;border:0;background:var(--gw-accent);color:var(--gw-on-accent);font-weight:600}
.go:disabled{opacity:.5;cursor:default}
.skip{margin-top:8px;padding:4px 0;border:0;font-size:13px;text-decoration:underline;opacity:.8}
.body{margin:0 0 8px;overflow-wrap:anywhere}
.banner{left:0;right:0;width:auto;max-width:none;border-radius:0;display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px;padding:12px 48px 12px 16px}
.banner.top{top:0}
.banner.bottom{bottom:0}
.banner .q,.banner .body{margin:0;padding:0}
.banner .go{width:auto;margin:0;padding:8px 16px}
.banner .x{top:50%;margin-top:-14px}
.tip{width:300px}
.arrow{position:absolute;width:12px;height:12px;background:var(--gw-bg);transform:rotate(45deg);border:1px solid rgba(128,128,128,.3)}
.up{top:-7px;border-right:0;border-bottom:0}
.down{bottom:-7px;border-left:0;border-top:0}
.backdrop{position:fixed;inset:0;z-index:2147483646;background:rgba(0,0,0,.45)}
.steps{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.steps li{display:flex;align-items:center;gap:8px}
.steps .t{flex:1;overflow-wrap:anywhere}
.steps .o{padding:4px 8px;font-size:13px}
.done .t{text-decoration:line-through;opacity:.7}
.mark{flex:none;box-sizing:border-box;width:18px;height:18px;border:1px solid var(--gw-accent);border-radius:50%;text-align:center;font-size:12px;line-height:16px}
.done .mark{background:var(--gw-accent);color:var(--gw-on-accent)}
.sub{margin:0 0 8px;font-size:12px;opacity:.75}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (pointer:coarse){button{min-height:44px}.x{width:44px;height:44px;top:2px;inset-inline-end:2px}.q{padding-inline-end:40px}.row{flex-wrap:wrap;row-gap:4px}.row button{flex:1 0 44px}}
.page{position:relative;width:100%;max-width:none;max-height:none;padding:20px 16px;font-size:16px;box-shadow:none}
.page .q{padding:0;font-size:19px}
.page button{min-height:44px}
.page .row{flex-wrap:wrap;row-gap:6px}
.page .row button{flex:1 0 44px}
.ring{position:fixed;z-index:2147483647;padding:4px;border:3px solid #4f46e5;border-radius:8px;pointer-events:none;box-shadow:0 0 0 9999px rgba(0,0,0,.2)}
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
