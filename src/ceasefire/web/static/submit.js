// The Submit page: the form follows the kind of report, a compliance claim offers the steps of
// the commitment chosen, and the place can be marked on a map drawn from the shipped boundary
// (no tile server). Signing and sending are sign.js's.
(function () {
  "use strict";

  var form = document.querySelector("form.submit-form");
  if (!form) return;

  function follow() {
    var kind = form.querySelector("input[name=kind]:checked").value;
    form.querySelectorAll(".allegation-only").forEach(function (e) { e.hidden = kind !== "allegation"; });
    form.querySelectorAll(".claim-only").forEach(function (e) { e.hidden = kind === "allegation"; });
  }
  form.querySelectorAll("input[name=kind]").forEach(function (e) { e.addEventListener("change", follow); });
  follow();

  var commitment = form.elements.commitment;
  var step = form.elements.step;
  function steps() {
    var chosen = commitment.selectedOptions[0];
    step.replaceChildren();
    (chosen ? chosen.dataset.steps.split(" ").filter(Boolean) : []).forEach(function (s) {
      var option = document.createElement("option");
      option.value = s;
      option.textContent = s.replace(/_/g, " ");
      step.append(option);
    });
  }
  if (commitment) { commitment.addEventListener("change", steps); steps(); }

  var element = document.getElementById("picker");
  if (!element || !window.L) return;
  var map = L.map(element, { minZoom: 4, maxZoom: 13, zoomSnap: 0.5, keyboard: true });
  map.attributionControl.setPrefix(false);
  map.setView([32.5, 68.5], 5);
  fetch(element.dataset.boundary, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (collection) {
      L.geoJSON(collection, {
        interactive: false,
        style: function (f) {
          return f.properties.kind === "border"
            ? { color: "#b2182b", weight: 2.5 }
            : { color: "#888", weight: 1, fillColor: "#f2efe9", fillOpacity: 1 };
        },
      }).addTo(map);
    });
  var marker = null;
  var lat = form.elements.latitude;
  var lon = form.elements.longitude;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng, { keyboard: false }).addTo(map);
  }
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(5);
    lon.value = event.latlng.lng.toFixed(5);
    place(event.latlng);
  });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) { place([a, b]); map.panTo([a, b]); }
    });
  });
})();
