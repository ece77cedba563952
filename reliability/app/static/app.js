// Show only the fields the chosen question needs; run the analysis in the background and
// show its progress (plain JavaScript, no framework; the pages work without it too).
(function () {
  function update() {
    var q = document.querySelector("input[name=question]:checked");
    var id = q ? q.value : "";
    document.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for").split(" ").indexOf(id) < 0;
    });
  }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) { el.textContent = value; }
  }

  // The progress page: ask the server how far the analysis has got, about three times a
  // second, until it is done (open the report) or has failed (show the form and message).
  function poll(section) {
    var url = section.getAttribute("data-progress");
    var bar = document.getElementById("progress");
    var list = document.getElementById("stages");
    var failures = 0;
    function step() {
      fetch(url, {cache: "no-store", credentials: "same-origin"}).then(function (r) {
        return r.json();
      }).then(function (p) {
        failures = 0;
        if (bar) { bar.value = p.percent; bar.textContent = p.percent + "%"; }
        text("percent", p.percent + "%");
        text("elapsed", p.seconds + " s");
        text("stage", p.state === "error" ? "Stopped: " + p.error : p.stage);
        if (list && p.stages) {
          var done = p.stages.slice(0, -1);
          while (list.children.length < done.length) {
            var li = document.createElement("li");
            li.textContent = done[list.children.length];
            list.appendChild(li);
          }
        }
        if (p.state === "running") { setTimeout(step, 300); } else { location.replace(p.next); }
      }).catch(function () {
        failures += 1;
        if (failures < 20) { setTimeout(step, 1000); } else { text("stage", "The app has stopped answering: is it still running?"); }
      });
    }
    setTimeout(step, 250);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[name=question]").forEach(function (r) {
      r.addEventListener("change", update);
    });
    update();
    document.querySelectorAll("form.busy-on-submit").forEach(function (f) {
      f.addEventListener("submit", function () {
        var bg = f.querySelector("input[name=background]");
        if (bg) { bg.value = "1"; }
        var b = f.querySelector("button[type=submit]");
        var s = f.querySelector(".busy");
        if (s) { s.hidden = false; }
        if (b) { setTimeout(function () { b.disabled = true; }, 0); }
      });
    });
    var working = document.getElementById("working");
    if (working) { poll(working); }
  });
})();
