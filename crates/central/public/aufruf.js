// The waiting room's call display: polls the office's calls every 2 s and announces a new call
// (German, then English) in the aria-live region. No names ever reach this page.
"use strict";
(function () {
  const POLL_MS = 2000;
  const parts = window.location.pathname.split("/").filter(Boolean);
  const officeId = decodeURIComponent(parts[parts.length - 1] || "");
  const url = "/v1/public/offices/" + encodeURIComponent(officeId) + "/calls";
  let seen = null;

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function key(call) {
    return call.display_number + "|" + call.called_at + "|" + call.call_count;
  }

  function render(calls) {
    const rows = document.getElementById("call-rows");
    rows.replaceChildren();
    calls.forEach(function (call, index) {
      const tr = document.createElement("tr");
      if (index === 0) tr.className = "latest";
      tr.append(cell(call.display_number), cell(call.place));
      rows.append(tr);
    });
    document.getElementById("empty").hidden = calls.length > 0;
  }

  function announce(calls) {
    const keys = new Set(calls.map(key));
    if (seen !== null) {
      const fresh = calls.filter(function (call) { return !seen.has(key(call)); });
      if (fresh.length > 0) {
        const call = fresh[0];
        document.getElementById("announce").textContent =
          "Nummer " + call.display_number + " bitte zu " + call.place + ". " +
          "Number " + call.display_number + ", please go to " + call.place + ".";
        const latest = document.querySelector("tr.latest");
        if (latest) latest.classList.add("flash");
      }
    }
    seen = keys;
  }

  async function poll() {
    try {
      const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const body = await response.json();
      const calls = Array.isArray(body.calls) ? body.calls : [];
      render(calls);
      announce(calls);
      document.getElementById("offline").hidden = true;
    } catch (error) {
      document.getElementById("offline").hidden = false;
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
