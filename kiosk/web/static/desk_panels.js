// Desk panels: each [data-live] list is fetched again (server-rendered, escaped) when the server
// pushes a change (SSE "state") and every data-every seconds (default 20), so lockers, complaints and
// the guestbook follow what kiosks and other desks do. A list is left alone while staff type in it
// (a reload would wipe the ID number or the note being typed). EventSource reconnects by itself.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
  if (!boxes.length) { return; }
  function typing(box) {
    var inputs = box.querySelectorAll("input:not([type=hidden]), textarea");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].value !== "" || inputs[i] === document.activeElement) { return true; }
    }
    return false;
  }
  function reload(box) {
    if (box.dataset.busy === "1" || typing(box)) { return; }
    box.dataset.busy = "1";
    fetch(box.dataset.live, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && !typing(box)) { box.innerHTML = html; } })
      .catch(function () {})
      .then(function () { box.dataset.busy = "0"; });
  }
  var source = new EventSource("/events");
  source.addEventListener("state", function () { boxes.forEach(reload); });
  boxes.forEach(function (box) {
    setInterval(function () { reload(box); }, 1000 * parseInt(box.dataset.every || "20", 10));
  });
})();
