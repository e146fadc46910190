/* Region cascade (province → city → county) and the geolocation button. No inline code:
   the Content-Security-Policy allows scripts from this site only. */
(function () {
  "use strict";

  function fill(select, regions, placeholder) {
    select.innerHTML = "";
    const blank = document.createElement("option");
    blank.value = "";
    blank.textContent = placeholder;
    select.appendChild(blank);
    regions.forEach(function (r) {
      const option = document.createElement("option");
      option.value = r.code;
      option.textContent = r.name;
      option.dataset.leaf = r.leaf ? "1" : "";
      select.appendChild(option);
    });
  }

  function load(code) {
    const url = code ? "/regions/" + code + "/children" : "/regions/children/";
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }

  document.querySelectorAll(".region-picker").forEach(function (picker) {
    const input = document.getElementById(picker.dataset.target);
    const selects = {};
    picker.querySelectorAll("select").forEach(function (s) { selects[s.dataset.level] = s; });
    const labels = {};
    Object.keys(selects).forEach(function (k) { labels[k] = selects[k].options[0].textContent; });
    picker.hidden = false;

    function choose(level, code) {
      const option = selects[level].selectedOptions[0];
      if (option && option.dataset.leaf) {
        input.value = code;
        const name = picker.dataset.nameTarget && document.getElementById(picker.dataset.nameTarget);
        if (name) { name.value = option.textContent; }
      }
      const next = level === "province" ? "city" : level === "city" ? "county" : null;
      if (!next || !code) { return Promise.resolve(); }
      if (next === "city") { fill(selects.county, [], labels.county); }
      return load(code).then(function (regions) { fill(selects[next], regions, labels[next]); });
    }

    Object.keys(selects).forEach(function (level) {
      selects[level].addEventListener("change", function () { choose(level, this.value); });
    });

    load(null).then(function (regions) {
      fill(selects.province, regions, labels.province);
      const current = input.value;
      if (current && current.length === 6) {
        const province = current.slice(0, 2) + "0000";
        const city = current.slice(0, 4) + "00";
        selects.province.value = province;
        choose("province", province).then(function () {
          selects.city.value = city;
          return choose("city", city);
        }).then(function () { selects.county.value = current; });
      }
    });
  });

  /* The location stays hidden: the button fills it and says what happened, refusals too. */
  document.querySelectorAll("[data-geolocate]").forEach(function (button) {
    const status = document.getElementById("locate-status");
    const clear = document.querySelector("[data-clear-location]");
    const lat = document.getElementById("latitude");
    const lng = document.getElementById("longitude");
    function say(text) { status.textContent = text; }
    if (!navigator.geolocation) {
      button.addEventListener("click", function () { say(button.dataset.unsupported); });
      return;
    }
    button.addEventListener("click", function () {
      say(button.dataset.busy);
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lng.value = pos.coords.longitude.toFixed(5);
        say(button.dataset.found);
        if (clear) { clear.hidden = false; }
      }, function (error) {
        say(error.code === 1 ? button.dataset.denied : button.dataset.failed);
      }, { timeout: 15000, maximumAge: 600000 });
    });
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = ""; lng.value = ""; say(""); clear.hidden = true;
      });
    }
  });

  /* The county by typing its name: suggestions from this site's own region table. */
  document.querySelectorAll("[data-county-search]").forEach(function (input) {
    const code = document.getElementById("region_code");
    const list = document.getElementById("county-options");
    const none = document.querySelector("[data-county-none]");
    let timer = null;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function pick(region) {
      input.value = region.name; code.value = region.code; close(); none.hidden = true;
    }
    function show(regions) {
      list.innerHTML = "";
      regions.forEach(function (region) {
        const item = document.createElement("li");
        const choose = document.createElement("button");
        choose.type = "button";
        choose.className = "list-group-item list-group-item-action";
        choose.setAttribute("role", "option");
        choose.textContent = region.name;
        choose.addEventListener("click", function () { pick(region); });
        item.appendChild(choose);
        list.appendChild(item);
      });
      list.hidden = regions.length === 0;
      none.hidden = regions.length !== 0;
      input.setAttribute("aria-expanded", regions.length ? "true" : "false");
    }
    input.addEventListener("input", function () {
      code.value = "";
      window.clearTimeout(timer);
      const text = input.value.trim();
      if (!text) { close(); none.hidden = true; return; }
      timer = window.setTimeout(function () {
        fetch("/regions/search?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (r) { return r.json(); }).then(show).catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
    });
  });

  /* The error summary takes the focus, so a screen reader reads it first. */
  const summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();

/* Matching run and ledger import progress: poll the row until it is done, then reload.
   Widths are set from data-width here: the CSP forbids inline style attributes. */
(function () {
  "use strict";
  document.querySelectorAll("[data-width]").forEach(function (el) {
    el.style.width = el.dataset.width + "%";
  });
  const box = document.querySelector("[data-run-progress]");
  if (!box || !["queued", "running"].includes(box.dataset.runState)) { return; }
  const bar = box.querySelector("[data-run-bar]");
  const percent = box.querySelector("[data-run-percent]");
  const phase = box.querySelector("[data-run-phase]");
  const holder = box.querySelector("[role=progressbar]");
  const labels = JSON.parse(box.dataset.phaseLabels || "{}");
  function poll() {
    fetch(box.dataset.runProgress, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        const value = Math.round(run.progress * 100);
        bar.style.width = value + "%";
        holder.setAttribute("aria-valuenow", value);
        percent.textContent = value + "%";
        phase.textContent = labels[run.phase] || run.phase;
        if (run.status === "done" || run.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();

/* Ledger uploads: a real progress bar while the file is sent. The import's own page (its
   progress bar while a worker checks and saves the rows, then the outcome) then replaces
   this one. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    const box = form.querySelector("[data-upload-box]");
    if (!box || !window.FormData || !window.XMLHttpRequest) { return; }
    const bar = box.querySelector("[data-upload-bar]");
    const holder = box.querySelector("[role=progressbar]");
    const label = box.querySelector("[data-upload-label]");
    const percent = box.querySelector("[data-upload-percent]");
    const button = form.querySelector("[type=submit]");
    function show(value) {
      bar.style.width = value + "%";
      holder.setAttribute("aria-valuenow", value);
      percent.textContent = value + "%";
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { show(Math.round(e.loaded / e.total * 100)); }
      });
      xhr.upload.addEventListener("load", function () {
        show(100);
        label.textContent = box.dataset.checking;
        bar.classList.add("progress-bar-striped", "progress-bar-animated");
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL) { window.history.replaceState(null, "", xhr.responseURL); }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        label.textContent = box.dataset.failed;
        bar.classList.remove("progress-bar-animated");
        button.disabled = false;
      });
      box.hidden = false;
      button.disabled = true;
      show(0);
      xhr.send(new FormData(form));
    });
  });
})();
