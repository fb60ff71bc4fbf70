// Behaviour every page shares, here rather than in inline handlers so that the
// Content-Security-Policy can refuse inline script (see config/settings.py).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });

  // A select that submits its form on change (the language switch); the
  // <noscript> button next to it does the same without script.
  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });
})();
