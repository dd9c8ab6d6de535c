/* persondata — type-ahead customer search and the customer picker. Plain progressive enhancement: without this
   file the search is an ordinary POST form and a picker an ordinary id field. Loaded as a static file (the CSP
   allows no inline script). What is typed goes to the server only in a POST body, never in a URL. */
(function () {
  "use strict";
  var MIN = 3; // characters before asking (register.services.SUGGEST_MIN)

  function csrf(form) {
    var field = (form || document).querySelector('input[name="csrfmiddlewaretoken"]') ||
      document.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function attach(input, purpose, onPick) {
    var url = document.body.getAttribute("data-suggest-url");
    var list = document.createElement("ul");
    var timer = null;
    var asked = 0;
    list.className = "suggestions";
    list.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(list, input.nextSibling);
    function ask() {
      var text = input.value.trim();
      var mine = ++asked;
      if (text.length < MIN) { list.innerHTML = ""; return; }
      var body = new URLSearchParams();
      body.set("q", text);
      body.set("purpose", purpose());
      fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(input.form), "X-Requested-With": "fetch" }
      }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
        if (mine === asked) { list.innerHTML = html; } // the server escaped every value
      });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    if (onPick) {
      list.addEventListener("click", function (event) {
        var link = event.target.closest("a[data-id]");
        if (!link) { return; }
        event.preventDefault();
        onPick(link);
        list.innerHTML = "";
      });
    }
  }

  function start() {
    if (!document.body.getAttribute("data-suggest-url")) { return; }
    document.querySelectorAll("input[data-typeahead]").forEach(function (input) {
      attach(input, function () {
        var select = input.form && input.form.querySelector('select[name="purpose"]');
        return select ? select.value : "";
      }, null);
    });
    document.querySelectorAll("input[data-customer-picker]").forEach(function (idField) {
      var search = document.createElement("input");
      var chosen = document.createElement("p");
      search.type = "search";
      search.className = "picker-search";
      search.setAttribute("autocomplete", "off");
      search.setAttribute("spellcheck", "false");
      search.setAttribute("aria-label", document.body.getAttribute("data-picker-label") || "");
      search.setAttribute("placeholder", document.body.getAttribute("data-picker-label") || "");
      chosen.className = "hint picker-chosen";
      chosen.setAttribute("aria-live", "polite");
      idField.parentNode.insertBefore(search, idField);
      idField.parentNode.insertBefore(chosen, idField.nextSibling);
      attach(search, function () { return ""; }, function (link) {
        idField.value = link.getAttribute("data-id");
        chosen.textContent = link.textContent;
        search.value = "";
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
