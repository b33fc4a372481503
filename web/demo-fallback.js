// demo-fallback.js: a classic script that tells the reader when demo.js
// (a module) could not be loaded or run. It replaces an inline onerror
// handler, which the page's Content Security Policy forbids.
window.addEventListener("load", function () {
  if (window.wsnatsDemo !== undefined) return;
  var t = document.getElementById("error-text");
  if (t) {
    t.textContent = "Could not load demo.js or wsnats.js (see the browser console).";
    t.parentNode.hidden = false;
  }
});
