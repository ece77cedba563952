// Show only the fields the chosen question needs, and say that work is under way.
(function () {
  function update() {
    var q = document.querySelector("input[name=question]:checked");
    var id = q ? q.value : "";
    document.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for").split(" ").indexOf(id) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[name=question]").forEach(function (r) {
      r.addEventListener("change", update);
    });
    update();
    document.querySelectorAll("form.busy-on-submit").forEach(function (f) {
      f.addEventListener("submit", function () {
        var b = f.querySelector("button[type=submit]");
        var s = f.querySelector(".busy");
        if (s) { s.hidden = false; }
        if (b) { setTimeout(function () { b.disabled = true; }, 0); }
      });
    });
  });
})();
