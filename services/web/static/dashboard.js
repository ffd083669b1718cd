// The operators' dashboard, live: each event from Kafka (sent by the server as Server-Sent
// Events) reloads the counts and lists, without reloading the page.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var state = document.getElementById("live-state");
  if (!live || !window.EventSource) return;
  var texts = JSON.parse(document.body.dataset.texts || "{}");
  var timer = null, pending = false, loading = false;
  document.body.dataset.liveUpdates = "0";

  var show = function (name, text) { state.dataset.state = name; state.textContent = text; };
  var busy = function () {
    var focused = document.activeElement;
    return focused && live.contains(focused) && focused.tagName === "INPUT" && focused.value;
  };
  var refresh = function () {
    if (busy()) { pending = true; return; } // never wipe what an operator is typing
    if (loading) { pending = true; return; }
    loading = true;
    fetch(live.dataset.fragment, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { source.close(); show("offline", texts.expired); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        // What an operator began typing while the page was loading is kept too.
        if (busy()) { pending = true; return; }
        live.innerHTML = html;
        document.body.dataset.liveUpdates = String(Number(document.body.dataset.liveUpdates) + 1);
        show("live", texts.live_updated + new Date().toLocaleTimeString(document.documentElement.lang));
      })
      .catch(function () { show("offline", texts.offline); })
      .then(function () {
        loading = false;
        if (pending) { pending = false; schedule(300); }
      });
  };
  var schedule = function (delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  };
  live.addEventListener("focusout", function () { if (pending) { pending = false; schedule(200); } });

  var source = new EventSource(live.dataset.events);
  source.addEventListener("open", function () { show("live", texts.live); });
  source.addEventListener("error", function () {
    show("offline", source.readyState === EventSource.CLOSED ? texts.live_off : texts.offline);
  });
  source.addEventListener("change", function () {
    schedule(250);
    // A warranty assessment reaches the claims service a moment after its event: look again.
    setTimeout(function () { schedule(0); }, 2500);
  });
})();
