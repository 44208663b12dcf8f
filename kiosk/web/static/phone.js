// Phone page: on every live update, ask for this ticket's status and show it (text only).
(function () {
  "use strict";
  var url = document.body.dataset.statusUrl;
  function show(s) {
    document.getElementById("label").textContent = s.label;
    document.getElementById("ahead").textContent = s.ahead;
    document.getElementById("estimate").textContent = s.estimate;
    document.getElementById("card").className = "card phone-card status-" + s.status;
  }
  function update() {
    fetch(url, {cache: "no-store"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) { show(s); } }).catch(function () {});
  }
  var source = new EventSource("/events");
  source.addEventListener("state", update);
  setInterval(update, 30000);
})();
