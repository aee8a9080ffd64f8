// The incident map: Leaflet with no tile layer. The countries, the border line and the
// agreement's sectors are drawn from the server's GeoJSON; incidents are markers coloured by
// verification status, each with a circle of its location's uncertainty, clustered when
// dense. Everything is fetched from this server: the deployment is offline.
(function () {
  "use strict";

  var element = document.getElementById("map");
  if (!element || !window.L) return;
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var COLOURS = {
    unconfirmed: "#6a3d9a",
    confirmed: "#1f78b4",
    dismissed: "#6b6b6b",
    "case": "#c85200",
    verified: "#1b7837",
  };

  var map = L.map(element, {
    zoomControl: true,
    attributionControl: true,
    minZoom: 4,
    maxZoom: 13,
    zoomSnap: 0.5,
    keyboard: true,
  });
  // Sector labels overlap when the whole border is in view: shown from this zoom on.
  var LABEL_ZOOM = 7;
  function labelSectors() {
    element.classList.toggle("map-sector-labels", map.getZoom() >= LABEL_ZOOM);
  }
  map.on("zoomend", labelSectors);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(labels.attribution);
  map.setView([32.5, 68.5], 5);

  // The countries lie under everything else, whichever of the data arrives first.
  map.createPane("countries").style.zIndex = 350;
  var countries = L.layerGroup().addTo(map);
  var sectors = L.layerGroup().addTo(map);
  var circles = L.layerGroup().addTo(map);
  // A cluster's ring shows the share of each verification status among its incidents (a
  // conic gradient, in the markers' colours); the number in it is how many incidents it holds.
  var ORDER = ["verified", "case", "confirmed", "unconfirmed", "dismissed"];
  function clusterIcon(cluster) {
    var counts = {};
    cluster.getAllChildMarkers().forEach(function (m) {
      counts[m.incidentStatus] = (counts[m.incidentStatus] || 0) + 1;
    });
    var total = cluster.getChildCount();
    var stops = [];
    var at = 0;
    var parts = [];
    ORDER.forEach(function (status) {
      if (!counts[status]) return;
      var end = at + (360 * counts[status]) / total;
      stops.push(COLOURS[status] + " " + at + "deg " + end + "deg");
      parts.push((labels.statuses[status] || status) + ": " + counts[status]);
      at = end;
    });
    var size = total < 10 ? 34 : total < 50 ? 40 : 46;
    return L.divIcon({
      className: "map-cluster",
      html: '<span class="map-cluster-ring" style="background:conic-gradient(' + stops.join(",") +
        ')"><span class="map-cluster-count" title="' + parts.join(", ") + '">' + total +
        "</span></span>",
      iconSize: [size, size],
    });
  }
  var markers = L.markerClusterGroup({
    maxClusterRadius: 40,
    disableClusteringAtZoom: 9,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    iconCreateFunction: clusterIcon,
  }).addTo(map);

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      });
  }

  function drawBoundary(collection) {
    var layer = L.geoJSON(collection, {
      interactive: false,
      pane: "countries",
      style: function (feature) {
        if (feature.properties.kind === "border") {
          return { className: "map-border", color: "#8b1a1a", weight: 3, opacity: 1 };
        }
        return {
          className: "map-country map-country-" + feature.properties.code,
          color: "#9a9a8a",
          weight: 1,
          fillColor: feature.properties.code === "PK" ? "#f4f1e4" : "#ebefe0",
          fillOpacity: 1,
        };
      },
    });
    layer.eachLayer(function (part) {
      var props = part.feature.properties;
      if (props.kind === "country") {
        var name = labels.countries[props.code] || props.name;
        L.tooltip({ permanent: true, direction: "center", className: "map-country-label" })
          .setLatLng(part.getBounds().getCenter())
          .setContent(name)
          .addTo(countries);
      }
    });
    countries.addLayer(layer);
    layer.eachLayer(function (part) {
      // The incidents lie along the border: the view opens on it, the countries around it.
      if (part.feature.properties.kind === "border") map.fitBounds(part.getBounds(), { padding: [24, 24] });
    });
    labelSectors();
  }

  function drawSectors(collection) {
    L.geoJSON(collection, {
      interactive: false,
      style: function () {
        return {
          className: "map-sector",
          color: "#2b4a6f",
          weight: 1.5,
          dashArray: "6 4",
          fill: false,
        };
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.name, {
          permanent: true,
          direction: "center",
          className: "map-sector-label",
        });
      },
    }).addTo(sectors);
  }

  function describe(props) {
    var when = props.start === props.end || !props.end ? props.start : props.start + " – " + props.end;
    var acts = props.acts.map(function (a) { return labels.acts[a] || a; }).join(", ");
    var parties = props.parties.map(function (p) { return labels.parties[p] || p; }).join(", ");
    return [when, acts, parties, labels.statuses[props.status],
      labels.reports.replace("%(count)s", props.reports)].filter(Boolean).join(" · ");
  }

  // A marker's circle of uncertainty is drawn only while the marker stands alone: drawn for
  // every incident, thousands of district- and province-wide circles hide the map under them.
  function drawCircles() {
    circles.clearLayers();
    markers.eachLayer(function (marker) {
      if (!marker.precisionRadius || markers.getVisibleParent(marker) !== marker) return;
      L.circle(marker.getLatLng(), {
        radius: marker.precisionRadius,
        interactive: false,
        className: "map-precision",
        color: marker.colour,
        weight: 1,
        fillColor: marker.colour,
        fillOpacity: 0.12,
      }).addTo(circles);
    });
  }
  map.on("moveend", drawCircles);
  markers.on("animationend", drawCircles);

  function drawIncidents(collection) {
    markers.clearLayers();
    circles.clearLayers();
    var list = document.getElementById("map-list");
    list.textContent = "";
    var added = [];
    collection.features.forEach(function (feature) {
      var props = feature.properties;
      var lonlat = feature.geometry.coordinates;
      var at = [lonlat[1], lonlat[0]];
      var colour = COLOURS[props.status] || "#333";
      var text = describe(props);
      var href = "/incidents/" + encodeURIComponent(props.id);
      var marker = L.marker(at, {
        title: text,
        alt: text,
        keyboard: true,
        icon: L.divIcon({
          className: "map-marker map-marker-" + props.status,
          html: '<span style="background:' + colour + '">' + props.reports + "</span>",
          iconSize: [24, 24],
          iconAnchor: [12, 12],
        }),
      });
      marker.incidentId = props.id;
      marker.incidentStatus = props.status;
      marker.precisionRadius = props.radius_m;
      marker.colour = colour;
      marker.on("click", function () { window.location.href = href; });
      added.push(marker);

      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      var swatch = document.createElement("span");
      swatch.className = "map-swatch";
      swatch.style.background = colour;
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(link);
      list.appendChild(item);
    });
    markers.addLayers(added); // at once: markercluster clusters a batch far faster
    drawCircles();
    document.getElementById("map-count").textContent =
      labels.shown.replace("%(count)s", collection.features.length);
    element.dataset.incidents = String(collection.features.length);
  }

  var form = document.getElementById("map-filters");

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value) params.set(name, value);
    });
    return params;
  }

  function refresh() {
    var params = query();
    var search = params.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
    element.setAttribute("aria-busy", "true");
    return getJson("/web/data/incidents.geojson" + (search ? "?" + search : ""))
      .then(drawIncidents)
      .catch(function () {
        document.getElementById("map-count").textContent = labels.failed;
      })
      .finally(function () { element.setAttribute("aria-busy", "false"); });
  }

  // The filters start from the page's address, so a filtered map can be shared as a link.
  new URLSearchParams(window.location.search).forEach(function (value, name) {
    if (form.elements[name]) form.elements[name].value = value;
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    refresh();
  });
  form.addEventListener("reset", function () {
    window.setTimeout(refresh, 0);
  });

  // Ready once everything is drawn and the view has come to rest: fitting the map to the
  // border may still be zooming (and the clusters re-forming) when the data have arrived.
  function settled() {
    return new Promise(function (resolve) {
      var timer = null;
      function quiet() {
        window.clearTimeout(timer);
        timer = window.setTimeout(done, 300);
      }
      function done() {
        map.off("movestart moveend zoomend", quiet);
        markers.off("animationend", quiet);
        resolve();
      }
      map.on("movestart moveend zoomend", quiet);
      markers.on("animationend", quiet);
      quiet();
    });
  }

  Promise.all([
    getJson("/web/data/boundary.geojson").then(drawBoundary),
    getJson("/web/data/sectors.geojson").then(drawSectors),
    refresh(),
  ]).then(settled).then(function () {
    element.dataset.ready = "true";
  }).catch(function () {
    document.getElementById("map-count").textContent = labels.failed;
  });
})();
