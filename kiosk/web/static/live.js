// Desk: the waiting list follows the server's live updates (SSE) and refreshes every 20 s so the
// amber/red colours move with time. EventSource reconnects by itself after a restart.
(function () {
  "use strict";
  var box = document.getElementById("waiting");
  if (!box) { return; }
  var busy = false;
  function reload() {
    if (busy) { return; }
    busy = true;
    fetch(box.dataset.src, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } })  // server-rendered, escaped
      .catch(function () {})
      .then(function () { busy = false; });
  }
  var source = new EventSource("/events");
  source.addEventListener("state", reload);
  setInterval(reload, 20000);
})();
