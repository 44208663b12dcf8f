// Lobby display: live state by SSE (EventSource reconnects by itself after a restart or a network
// drop); each new call is announced once: a chime, then the server's Indonesian voice.
(function () {
  "use strict";
  var body = document.body;
  var announced = parseInt(body.dataset.lastCall || "0", 10);
  var word = document.getElementById("word-counter").textContent;
  var queue = [];
  var playing = false;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function render(state) {
    var counters = document.getElementById("counters");
    counters.replaceChildren.apply(counters, state.counters.map(function (c) {
      var d = el("div", undefined, "counter");
      d.dataset.counter = c[0];
      d.appendChild(el("span", word + " " + c[0], "counter-name"));
      d.appendChild(el("span", c[1] || "—", "counter-number"));
      return d;
    }));
    var recent = document.getElementById("recent");
    recent.replaceChildren.apply(recent, state.recent.map(function (a) {
      var li = el("li");
      li.appendChild(el("b", a.number));
      li.appendChild(document.createTextNode(" → " + word + " " + a.counter + " "));
      li.appendChild(el("span", a.at, "muted"));
      return li;
    }));
    var waiting = document.getElementById("waiting");
    waiting.replaceChildren.apply(waiting, state.waiting.map(function (w) {
      var li = el("li");
      li.appendChild(el("span", w[1]));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("b", String(w[2])));
      return li;
    }));
    body.dataset.updated = String(Date.now());
  }

  function play(src) {
    return new Promise(function (done) {
      var audio = new Audio(src);
      audio.onended = done;
      audio.onerror = done;
      audio.play().catch(done);   // a TV browser may refuse sound until someone touches it once
      setTimeout(done, 15000);    // never let one stuck sound hold the next announcements
    });
  }

  function announce() {
    if (playing || !queue.length) { return; }
    playing = true;
    var call = queue.shift();
    var counter = document.querySelector('.counter[data-counter="' + CSS.escape(call.counter) + '"]');
    if (counter) { counter.classList.add("flash"); setTimeout(function () { counter.classList.remove("flash"); }, 6000); }
    // the voice is fetched while the chime plays (synthesis of a new phrase takes a moment)
    var voice = fetch("/display/voice/" + call.id + ".wav")
      .then(function (r) { return r.ok ? r.blob() : null; })
      .then(function (blob) {
        if (blob) { body.dataset.voiceBytes = String(blob.size); body.dataset.voiceCall = String(call.id); }
        return blob;
      })
      .catch(function () { return null; });
    play("/display/chime.wav")
      .then(function () { return voice; })
      .then(function (blob) {
        if (!blob) { return null; }
        var url = URL.createObjectURL(blob);
        return play(url).then(function () { URL.revokeObjectURL(url); });
      })
      .catch(function () {})
      .then(function () { playing = false; announce(); });
  }

  var source = new EventSource("/events");
  source.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    render(state);
    var fresh = state.recent.filter(function (a) { return a.id > announced; }).reverse();
    if (fresh.length) {
      announced = state.last_call_id;
      queue = queue.concat(fresh);
      announce();
    }
  });
  source.addEventListener("open", function () { document.getElementById("link").className = "link-state on"; });
  source.addEventListener("error", function () { document.getElementById("link").className = "link-state off"; });

  var zone = body.dataset.zone;
  function tick() {
    var now = new Date();
    document.getElementById("clock").textContent =
      now.toLocaleDateString("id-ID", {timeZone: zone, weekday: "long", day: "numeric", month: "long"}) + "  " +
      now.toLocaleTimeString("id-ID", {timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }
  tick();
  setInterval(tick, 1000);
})();
