// Progressive enhancement of the panel's forms; every form also works without this file.
(function () {
  "use strict";
  // The page's texts in its language (base.html), so that no text is fixed here.
  var texts = JSON.parse(document.body.dataset.texts || "{}");

  // Registration: the company fields only when the account is a company's.
  var company = document.getElementById("company-fields");
  if (company) {
    var radios = document.querySelectorAll('input[name="account_type"]');
    var sync = function () {
      var chosen = document.querySelector('input[name="account_type"]:checked');
      company.hidden = !(chosen && chosen.value === "company");
    };
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  // Forms that cannot be undone (cancelling a claim) ask once more.
  document.querySelectorAll("form[data-confirm]").forEach(function (confirmed) {
    confirmed.addEventListener("submit", function (event) {
      if (!window.confirm(confirmed.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var form = document.getElementById("claim-form");
  if (!form) return;

  // Serial number: Enter checks it against the distributor's sales, without leaving the page.
  var serial = document.getElementById("serial_number");
  var result = document.getElementById("serial-check");
  var checkSerial = function () {
    var value = serial.value.trim();
    result.className = "check";
    if (!value) { result.textContent = texts.serial_empty; return; }
    result.textContent = texts.serial_checking;
    fetch("/claims/serial-check?serial_number=" + encodeURIComponent(value), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      result.textContent = answer.body.message || "";
      result.className = "check " + (answer.ok && answer.body.known ? "ok" : "warn");
    }).catch(function () {
      result.textContent = texts.serial_failed;
      result.className = "check warn";
    });
  };
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    event.preventDefault(); // Enter never sends a half-filled claim
    if (event.target === serial) checkSerial();
  });
  var checkButton = document.getElementById("serial-check-button");
  if (checkButton) {
    checkButton.addEventListener("click", function (event) { event.preventDefault(); checkSerial(); });
  }

  // The chosen product decides which claim types are open (brand, buyer, return window) and
  // whether a problem must be picked from its list: ask the server when the product changes.
  var product = document.getElementById("product");
  var problemField = document.getElementById("problem-field");
  var problem = document.getElementById("problem_code");
  var claimType = document.getElementById("claim_type");
  var unavailable = document.getElementById("claim-types-unavailable");
  var showOptions = function (options) {
    var problems = options.problems || [];
    while (problem.options.length > 1) problem.remove(1);
    problems.forEach(function (text) { problem.add(new Option(text, text)); });
    problemField.hidden = problems.length === 0;
    // A return (withdrawal) needs no problem: the claims service checks it for complaints.
    problem.required = false;
    var sealField = document.getElementById("seal-field");
    if (sealField) sealField.hidden = !options.asks_seal;
    // The administrative fee a return would carry, told before the return is filed.
    var returnFee = document.getElementById("return-fee");
    if (returnFee) {
      returnFee.textContent = options.return_fee_text || "";
      returnFee.hidden = !options.return_fee_text;
    }

    var chosen = claimType.value;
    while (claimType.options.length > 1) claimType.remove(1);
    unavailable.textContent = "";
    (options.claim_types || []).forEach(function (choice) {
      if (choice.allowed) {
        claimType.add(new Option(choice.name, choice.value, false, choice.value === chosen));
        return;
      }
      var item = document.createElement("li");
      var name = document.createElement("strong");
      name.textContent = choice.name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(texts.unavailable + (choice.reason || "")));
      unavailable.appendChild(item);
    });
  };
  product.addEventListener("change", function () {
    fetch("/claims/options?product=" + encodeURIComponent(product.value), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (options) { if (options) showOptions(options); })
      .catch(function () { /* the form still works: saving checks the claim type */ });
  });
})();
