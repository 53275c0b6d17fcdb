// Live counter for several check-in desks; the page works without it.
(function () {
  var statusUrl = document.currentScript.dataset.statusUrl;
  setInterval(function () {
    fetch(statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      document.querySelector("[data-attended]").textContent = d.attended;
      document.querySelector("[data-confirmed]").textContent = d.confirmed;
    }).catch(function () {});
  }, 5000);
})();
