// Phone page: on every live update, ask for this ticket's status and show it (text only); once the desk
// has served the ticket, show the offer to rate the service (or that it is rated).
(function () {
  "use strict";
  var url = document.body.dataset.statusUrl;
  function show(s) {
    document.getElementById("label").textContent = s.label;
    document.getElementById("ahead").textContent = s.ahead;
    document.getElementById("estimate").textContent = s.estimate;
    document.getElementById("card").className = "card phone-card status-" + s.status;
    document.getElementById("rate-offer").hidden = s.rating !== "open";
    document.getElementById("rate-done").hidden = s.rating !== "done";
  }
  function update() {
    fetch(url, {cache: "no-store"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) { show(s); } }).catch(function () {});
  }
  var source = new EventSource("/events");
  source.addEventListener("state", update);
  setInterval(update, 30000);
})();
