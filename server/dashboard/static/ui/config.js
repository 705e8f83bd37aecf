/* Copy buttons, on the settings page (snippet, new secret key, link secret) and a survey's results (its link and
 * email HTML): the Clipboard API, with a fallback that selects the text for Ctrl+C; read-only fields that select
 * their text when focused. */
(function () {
  "use strict";

  function selectAll(field) {
    field.focus();
    field.select();
    if (field.setSelectionRange) { field.setSelectionRange(0, field.value.length); }
  }

  function say(name, text) {
    var status = document.querySelector('[data-copy-status="' + name + '"]');
    if (status) { status.textContent = text; }
  }

  function fallback(name, field) {
    selectAll(field);
    say(name, "Selected: press Ctrl+C (⌘C on a Mac) to copy.");
  }

  function copy(button) {
    var name = button.getAttribute("data-copy");
    var field = document.getElementById(name);
    if (!field) { return; }
    if (!navigator.clipboard || !window.isSecureContext) {
      fallback(name, field);
      return;
    }
    navigator.clipboard.writeText(field.value).then(function () {
      say(name, "Copied to the clipboard.");
    }, function () {
      fallback(name, field);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-select-on-focus]"), function (field) {
    var justFocused = false;
    field.addEventListener("focus", function () { field.select(); justFocused = true; });
    // The click that focused the field would put the caret where the mouse is, undoing the selection.
    field.addEventListener("mouseup", function (event) {
      if (justFocused) { event.preventDefault(); }
      justFocused = false;
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    button.hidden = false;  // without JavaScript the button could not work, so it stays hidden
    button.addEventListener("click", function () { copy(button); });
  });
}());
