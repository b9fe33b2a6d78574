// The one script of lovebank-node's pages (node/pages.cc), served as /assets/site.js
// under a Content-Security-Policy that allows no inline script. Every page works
// without it; it only wires the print buttons.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
