// Ally: small progressive enhancements. Every page works without this file.
"use strict";
(function () {
  // Quick exit: leave for a neutral site and replace this page in the history, so that the
  // back button does not return here. Pressing Escape three times does the same.
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    window.location.replace("https://www.wikipedia.org/");
  }
  var button = document.getElementById("quick-exit");
  if (button) { button.addEventListener("click", quickExit); }
  var escapes = 0, timer = null;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    escapes += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { escapes = 0; }, 1500);
    if (escapes >= 3) { quickExit(); }
  });
  var back = document.getElementById("back-link");
  if (back) {
    back.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
  }
})();
