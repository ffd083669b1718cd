// The intake page with a keyboard-wedge barcode scanner, which types a code and presses Enter.
// The page works without this file; it only keeps the focus where the next scan belongs.
(function () {
  "use strict";
  // A new scan replaces what the label field holds.
  var code = document.getElementById("code");
  if (code) {
    code.addEventListener("focus", function () { code.select(); });
  }
  // The serial number scanned from the device ends with Enter too: it moves on to the checklist
  // (or the confirm button) instead of confirming before the contents are ticked.
  var serial = document.getElementById("serial_number");
  var confirm = document.getElementById("confirm-receipt");
  if (serial && confirm) {
    serial.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var unticked = document.querySelector("#checklist input[type=checkbox]:not(:checked)");
      (unticked || confirm).focus();
    });
  }
})();
