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

  const LEVEL_LENGTH = { province: 2, city: 4, county: 6 };

  /* A coordinator's regions as code prefixes (province 2 digits, city 4, county 6): the
     cascade offers only what they cover, so a city coordinator picks among its counties. */
  function allowedBy(prefixes, level) {
    if (!prefixes.length) { return function () { return true; }; }
    return function (r) {
      const own = r.code.slice(0, LEVEL_LENGTH[level]);
      return prefixes.some(function (p) { return own.startsWith(p) || p.startsWith(own); });
    };
  }

  function searchInto(input, list, scope) {
    let timer = null;
    input.setAttribute("list", list.id);
    input.addEventListener("input", function () {
      const text = input.value.trim();
      window.clearTimeout(timer);
      if (!text || /^[0-9０-９]{6}$/.test(text)) { return; }
      timer = window.setTimeout(function () {
        const url = "/regions/search?q=" + encodeURIComponent(text) + (scope ? "&scope=" + scope : "");
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
          .then(function (found) {
            list.innerHTML = "";
            found.forEach(function (r) {
              const option = document.createElement("option");
              option.value = r.code;
              option.label = r.full_name;
              option.textContent = r.full_name;
              list.appendChild(option);
            });
          });
      }, 150);
    });
  }

  document.querySelectorAll(".region-picker").forEach(function (picker) {
    const input = document.getElementById(picker.dataset.target);
    const prefixes = (picker.dataset.covers || "").split(" ").filter(Boolean);
    const selects = {};
    picker.querySelectorAll("select").forEach(function (s) { selects[s.dataset.level] = s; });
    const labels = {};
    Object.keys(selects).forEach(function (k) { labels[k] = selects[k].options[0].textContent; });
    picker.hidden = false;
    const list = document.createElement("datalist");
    list.id = input.id + "-names";
    picker.appendChild(list);
    searchInto(input, list, "");

    function offer(level, regions) {
      const kept = regions.filter(allowedBy(prefixes, level));
      fill(selects[level], kept, labels[level]);
      if (kept.length === 1 && prefixes.length) {  // only one choice: it is chosen
        selects[level].value = kept[0].code;
        return choose(level, kept[0].code);
      }
      return Promise.resolve();
    }

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
      return load(code).then(function (regions) { return offer(next, regions); });
    }

    Object.keys(selects).forEach(function (level) {
      selects[level].addEventListener("change", function () { choose(level, this.value); });
    });

    function show(current) {
      if (!current || current.length !== 6) { return Promise.resolve(); }
      const province = current.slice(0, 2) + "0000";
      const city = current.slice(0, 4) + "00";
      selects.province.value = province;
      return choose("province", province).then(function () {
        if (selects.city.value !== city) { selects.city.value = city; return choose("city", city); }
      }).then(function () { if (selects.county.querySelector("option[value='" + current + "']")) { selects.county.value = current; } });
    }

    input.addEventListener("change", function () {
      if (/^[0-9]{6}$/.test(input.value.trim())) { show(input.value.trim()); }
    });

    load(null).then(function (regions) {
      const current = input.value;
      const kept = regions.filter(allowedBy(prefixes, "province"));
      fill(selects.province, kept, labels.province);
      if (current && current.length === 6) { return show(current); }
      if (kept.length === 1 && prefixes.length) {
        selects.province.value = kept[0].code;
        return choose("province", kept[0].code);
      }
    });
  });

  /* Lists of regions (an admin assigning a coordinator's regions): a search box whose
     results add the region's full name to the list. */
  document.querySelectorAll("[data-region-search=many]").forEach(function (input) {
    const box = document.createElement("div");
    box.className = "region-search mt-2";
    const finder = document.createElement("input");
    finder.className = "form-control";
    finder.type = "search";
    finder.id = input.id + "-find";
    finder.setAttribute("aria-label", input.dataset.findLabel || "");
    finder.placeholder = input.dataset.findLabel || "";
    const results = document.createElement("div");
    results.className = "d-flex flex-wrap gap-2 mt-2";
    results.setAttribute("data-region-results", "");
    box.appendChild(finder);
    box.appendChild(results);
    input.insertAdjacentElement("afterend", box);
    let timer = null;
    finder.addEventListener("input", function () {
      window.clearTimeout(timer);
      const text = finder.value.trim();
      if (!text) { results.innerHTML = ""; return; }
      timer = window.setTimeout(function () {
        fetch("/regions/search?scope=all&q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (found) {
            results.innerHTML = "";
            found.forEach(function (r) {
              const button = document.createElement("button");
              button.type = "button";
              button.className = "btn btn-sm btn-outline-primary";
              button.textContent = "+ " + r.full_name;
              button.dataset.code = r.code;
              button.addEventListener("click", function () {
                const now = input.value.trim();
                input.value = now ? now + "、" + r.full_name : r.full_name;
                finder.value = "";
                results.innerHTML = "";
                finder.focus();
              });
              results.appendChild(button);
            });
          });
      }, 150);
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
        fetch("/regions/counties?q=" + encodeURIComponent(text), { credentials: "same-origin" })
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
