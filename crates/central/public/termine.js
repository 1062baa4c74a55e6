// The public booking page (issue 11): choose a service and an office, see the start times the
// release rules have published, book with the family name, get the booking code once; cancel with
// the code. German first, English on request; every text is in MESSAGES. Nothing is stored in the
// browser (no cookies, no storage) and nothing is written to the console.
"use strict";
(function () {
  const API = {
    offices: "/v1/public/appointments/offices",
    slots: "/v1/public/appointments/slots",
    book: "/v1/public/appointments/bookings",
    cancel: "/v1/public/appointments/bookings/cancel",
  };
  const DAYS_AHEAD = 14;

  const MESSAGES = {
    de: {
      pageTitle: "Termin buchen – Bürgerbüro",
      skip: "Zum Inhalt springen",
      site: "Bürgerdienste – Termine online",
      switch: "English",
      switchLang: "en",
      title: "Termin buchen",
      intro: "Buchen Sie hier einen Termin im Bürgerbüro. Sie brauchen kein Konto; wir speichern nur Ihren Familiennamen, damit wir Sie aufrufen können.",
      serviceLegend: "1. Anliegen wählen",
      officeLegend: "2. Standort wählen",
      officeLabel: "Standort",
      officeChoose: "Bitte wählen Sie einen Standort",
      officeNone: "Bitte wählen Sie zuerst ein Anliegen",
      groupServiceCentre: "Dienstleistungszentrum",
      groupBuergerbuero: "Bürgerbüros",
      groupPopUp: "Pop-up-Bürgerbüros (nur an einzelnen Tagen)",
      popUpOn: "nur am {dates}",
      timeLegend: "3. Uhrzeit wählen",
      nameLegend: "4. Ihre Angaben",
      nameLabel: "Familienname",
      nameHint: "Mit diesem Namen rufen wir Sie im Bürgerbüro auf.",
      book: "Termin verbindlich buchen",
      booking: "Der Termin wird gebucht …",
      minutes: "{n} Min.",
      loadingDirectory: "Die Anliegen und Standorte werden geladen …",
      loadingSlots: "Freie Termine werden geladen …",
      chooseFirst: "Bitte wählen Sie zuerst ein Anliegen und einen Standort.",
      noSlots: "An diesem Standort sind in den nächsten {days} Tagen keine Termine frei. Neue Termine werden täglich um 9:00 Uhr für eine Woche im Voraus freigegeben.",
      noSlotsPopUp: "Dieses Pop-up-Bürgerbüro ist nur am {dates} geöffnet; dafür sind zurzeit keine Termine frei.",
      slotsFound: "{count} freie Uhrzeiten. Wählen Sie eine Uhrzeit.",
      slotCount: "{count} frei",
      summary: "Ihre Auswahl: {service}, {office}, {date} um {time} Uhr",
      timeSuffix: " Uhr",
      bookedHeading: "Ihr Termin ist gebucht",
      codeLabel: "Ihr Buchungscode:",
      codeHint: "Bitte notieren Sie sich diesen Code oder drucken Sie die Seite aus. Er wird nur dieses eine Mal angezeigt. Sie brauchen ihn, um den Termin abzusagen, und zum Einchecken im Bürgerbüro.",
      another: "Weiteren Termin buchen",
      detailService: "Anliegen",
      detailOffice: "Standort",
      detailAddress: "Adresse",
      detailDate: "Datum",
      detailTime: "Uhrzeit",
      cancelHeading: "Termin absagen",
      cancelLabel: "Buchungscode",
      cancelHint: "8 Zeichen, zum Beispiel K7QX-M2PA.",
      cancelButton: "Termin absagen",
      cancelling: "Der Termin wird abgesagt …",
      cancelledHeading: "Ihr Termin ist abgesagt",
      privacy: "Diese Seite setzt keine Cookies und speichert nichts in Ihrem Browser.",
      weekdays: ["So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."],
      months: null,
      needService: "Bitte wählen Sie ein Anliegen.",
      needOffice: "Bitte wählen Sie einen Standort.",
      needSlot: "Bitte wählen Sie eine Uhrzeit.",
      needName: "Bitte geben Sie Ihren Familiennamen ein.",
      needCode: "Bitte geben Sie Ihren Buchungscode ein.",
      errors: {
        slot_taken: "Diese Uhrzeit ist leider nicht mehr frei – jemand anderes hat sie gerade gebucht, oder sie beginnt bald. Bitte wählen Sie eine andere Uhrzeit.",
        slot_unknown: "Diese Uhrzeit gibt es nicht mehr. Bitte wählen Sie eine andere Uhrzeit.",
        booking_not_found: "Zu diesem Buchungscode gibt es keinen offenen Termin. Bitte prüfen Sie den Code. Ein bereits abgesagter Termin kann nicht noch einmal abgesagt werden.",
        booking_too_late: "Dieser Termin hat schon begonnen und kann nicht mehr online abgesagt werden.",
        booking_code_invalid: "Das ist kein gültiger Buchungscode. Er besteht aus 8 Buchstaben und Ziffern, zum Beispiel K7QX-M2PA.",
        booking_family_name_invalid: "Bitte geben Sie Ihren Familiennamen ein (1 bis 80 Zeichen).",
        too_many_requests: "Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es in {seconds} Sekunden noch einmal.",
        appointments_not_configured: "An dieser Stelle werden zurzeit keine Termine online angeboten.",
        appointment_office_unknown: "Diesen Standort gibt es nicht. Bitte laden Sie die Seite neu.",
        appointment_service_unknown: "Dieses Anliegen gibt es nicht. Bitte laden Sie die Seite neu.",
        invalid_request: "Die Anfrage war nicht vollständig. Bitte laden Sie die Seite neu.",
        internal: "Beim Server ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.",
        network: "Keine Verbindung zum Server. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es noch einmal.",
      },
    },
    en: {
      pageTitle: "Book an appointment – citizens' office",
      skip: "Skip to content",
      site: "Citizen services – appointments online",
      switch: "Deutsch",
      switchLang: "de",
      title: "Book an appointment",
      intro: "Book an appointment at a citizens' office (Bürgerbüro). You need no account; we keep only your family name so that we can call you.",
      serviceLegend: "1. Choose what you need",
      officeLegend: "2. Choose an office",
      officeLabel: "Office",
      officeChoose: "Please choose an office",
      officeNone: "Please choose what you need first",
      groupServiceCentre: "Service centre",
      groupBuergerbuero: "Citizens' offices",
      groupPopUp: "Pop-up offices (on single days only)",
      popUpOn: "only on {dates}",
      timeLegend: "3. Choose a time",
      nameLegend: "4. Your details",
      nameLabel: "Family name",
      nameHint: "We call you by this name at the office.",
      book: "Book this appointment",
      booking: "Booking the appointment …",
      minutes: "{n} min",
      loadingDirectory: "Loading services and offices …",
      loadingSlots: "Loading free appointments …",
      chooseFirst: "Please choose what you need and an office first.",
      noSlots: "This office has no free appointments in the next {days} days. New appointments are released daily at 9:00 a.m., one week ahead.",
      noSlotsPopUp: "This pop-up office opens only on {dates}; no appointments are free for it at the moment.",
      slotsFound: "{count} free times. Choose a time.",
      slotCount: "{count} free",
      summary: "Your choice: {service}, {office}, {date} at {time}",
      timeSuffix: "",
      bookedHeading: "Your appointment is booked",
      codeLabel: "Your booking code:",
      codeHint: "Please write this code down or print this page. It is shown only this once. You need it to cancel the appointment and to check in at the office.",
      another: "Book another appointment",
      detailService: "Service",
      detailOffice: "Office",
      detailAddress: "Address",
      detailDate: "Date",
      detailTime: "Time",
      cancelHeading: "Cancel an appointment",
      cancelLabel: "Booking code",
      cancelHint: "8 characters, for example K7QX-M2PA.",
      cancelButton: "Cancel the appointment",
      cancelling: "Cancelling the appointment …",
      cancelledHeading: "Your appointment is cancelled",
      privacy: "This page sets no cookies and stores nothing in your browser.",
      weekdays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
      months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
      needService: "Please choose what you need.",
      needOffice: "Please choose an office.",
      needSlot: "Please choose a time.",
      needName: "Please enter your family name.",
      needCode: "Please enter your booking code.",
      errors: {
        slot_taken: "Sorry, this time is no longer free – someone else has just booked it, or it starts soon. Please choose another time.",
        slot_unknown: "This time no longer exists. Please choose another time.",
        booking_not_found: "There is no open appointment with this booking code. Please check the code. An appointment already cancelled cannot be cancelled again.",
        booking_too_late: "This appointment has already begun and can no longer be cancelled online.",
        booking_code_invalid: "This is not a valid booking code. It has 8 letters and digits, for example K7QX-M2PA.",
        booking_family_name_invalid: "Please enter your family name (1 to 80 characters).",
        too_many_requests: "Too many requests in a short time. Please try again in {seconds} seconds.",
        appointments_not_configured: "No appointments are offered online here at the moment.",
        appointment_office_unknown: "This office does not exist. Please reload the page.",
        appointment_service_unknown: "This service does not exist. Please reload the page.",
        invalid_request: "The request was incomplete. Please reload the page.",
        internal: "The server had a problem. Please try again later.",
        network: "No connection to the server. Please check your internet connection and try again.",
      },
    },
  };

  const state = {
    lang: new URLSearchParams(window.location.search).get("lang") === "en" ? "en" : "de",
    directory: null,
    directoryError: null,
    serviceId: "",
    officeId: "",
    slots: null, // null: not loaded; [] none free
    slotsLoading: false,
    slotsError: null,
    slotId: "",
    bookingError: null,
    booking: null, // the confirmation, shown once
    cancelError: null,
    cancelled: null,
    busy: false,
  };
  let slotsRequest = 0;
  let slotsVersion = 0;
  // What each region was last built from: a region is rebuilt only when that changes, so the control
  // that has the keyboard focus stays where it is.
  const built = {};
  function rebuild(region, key, build) {
    if (built[region] === key) return;
    built[region] = key;
    const focused = document.activeElement && document.activeElement.id;
    build();
    if (focused && document.activeElement !== $(focused) && $(focused)) $(focused).focus();
  }

  const $ = function (id) { return document.getElementById(id); };
  function m() { return MESSAGES[state.lang]; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) { return key in values ? String(values[key]) : whole; });
  }

  // Dates come as YYYY-MM-DD (German local date): formatted without time zones.
  function formatDate(iso) {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!parts) return iso || "";
    const year = Number(parts[1]);
    const month = Number(parts[2]);
    const day = Number(parts[3]);
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    const t = m();
    if (state.lang === "de") return t.weekdays[weekday] + ", " + parts[3] + "." + parts[2] + "." + parts[1];
    return t.weekdays[weekday] + ", " + day + " " + t.months[month - 1] + " " + year;
  }
  function formatShortDate(iso) {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!parts) return iso || "";
    if (state.lang === "de") return parts[3] + "." + parts[2] + "." + parts[1];
    return Number(parts[3]) + " " + m().months[Number(parts[2]) - 1] + " " + parts[1];
  }

  function errorText(error) {
    if (!error) return "";
    if (error.local) return m()[error.local];
    const known = m().errors[error.code];
    if (known) return fill(known, { seconds: error.retryAfter || 60 });
    return error.message || m().errors.internal;
  }

  async function call(method, url, body) {
    let response;
    try {
      const init = { method: method, cache: "no-store", credentials: "omit", headers: { accept: "application/json" } };
      if (body !== undefined) {
        init.headers["content-type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      response = await fetch(url, init);
    } catch (e) {
      throw { code: "network" };
    }
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    if (response.ok && json) return json;
    const error = {
      code: json && typeof json.code === "string" ? json.code : (response.status >= 500 ? "internal" : "invalid_request"),
      message: json && typeof json.message === "string" ? json.message : "",
    };
    const retry = Number(response.headers.get("retry-after"));
    if (retry > 0) error.retryAfter = Math.ceil(retry);
    throw error;
  }

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") node.textContent = attributes[key];
      else if (key === "className") node.className = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  function service(id) {
    return state.directory && state.directory.services.find(function (s) { return s.id === id; });
  }
  function office(id) {
    return state.directory && state.directory.offices.find(function (o) { return o.id === id; });
  }
  function serviceName(s) { return s ? (state.lang === "de" ? s.name_de : s.name_en) : ""; }
  function officeLabel(o) {
    if (o.kind === "pop_up" && o.open_on.length > 0) {
      return o.name + " – " + fill(m().popUpOn, { dates: o.open_on.map(formatShortDate).join(", ") });
    }
    return o.name;
  }

  // --- rendering -------------------------------------------------------------------------------

  function renderStatic() {
    const t = m();
    document.documentElement.lang = state.lang;
    document.title = t.pageTitle;
    document.querySelectorAll("[data-t]").forEach(function (node) {
      node.textContent = t[node.getAttribute("data-t")];
    });
    $("language").lang = t.switchLang;
  }

  function renderServices() {
    const box = $("services");
    box.replaceChildren();
    const status = $("directory-status");
    if (!state.directory) {
      status.textContent = state.directoryError ? errorText(state.directoryError) : m().loadingDirectory;
      status.className = state.directoryError ? "status error" : "status";
      return;
    }
    status.textContent = "";
    status.className = "status";
    state.directory.services.forEach(function (s) {
      const input = element("input", { type: "radio", name: "service", value: s.id, id: "service-" + s.id });
      input.checked = s.id === state.serviceId;
      const label = element("label", { className: "choice", for: input.id }, [
        input,
        element("span", { className: "choice-name", text: serviceName(s) }),
        element("span", { className: "choice-meta", text: fill(m().minutes, { n: s.minutes }) }),
      ]);
      box.append(label);
    });
  }

  function renderOffices() {
    const select = $("office");
    select.replaceChildren();
    const t = m();
    if (!state.directory || !state.serviceId) {
      select.append(element("option", { value: "", text: t.officeNone }));
      select.disabled = true;
      $("office-address").textContent = "";
      return;
    }
    select.disabled = false;
    select.append(element("option", { value: "", text: t.officeChoose }));
    const groups = [
      ["service_centre", t.groupServiceCentre],
      ["buergerbuero", t.groupBuergerbuero],
      ["pop_up", t.groupPopUp],
    ];
    groups.forEach(function (group) {
      const offices = state.directory.offices.filter(function (o) {
        return o.kind === group[0] && o.services.indexOf(state.serviceId) >= 0;
      });
      if (offices.length === 0) return;
      const optgroup = element("optgroup", { label: group[1] });
      offices.forEach(function (o) { optgroup.append(element("option", { value: o.id, text: officeLabel(o) })); });
      select.append(optgroup);
    });
    const others = state.directory.offices.filter(function (o) {
      return groups.every(function (g) { return g[0] !== o.kind; }) && o.services.indexOf(state.serviceId) >= 0;
    });
    others.forEach(function (o) { select.append(element("option", { value: o.id, text: officeLabel(o) })); });
    select.value = state.officeId;
    const chosen = office(state.officeId);
    $("office-address").textContent = chosen ? chosen.address : "";
  }

  function renderSlots() {
    const box = $("slots");
    const status = $("slots-status");
    box.replaceChildren();
    const t = m();
    status.className = "status";
    if (!state.serviceId || !state.officeId) {
      status.textContent = t.chooseFirst;
      return;
    }
    if (state.slotsError) {
      status.textContent = errorText(state.slotsError);
      status.className = "status error";
      return;
    }
    if (state.slotsLoading || state.slots === null) {
      status.textContent = t.loadingSlots;
      return;
    }
    if (state.slots.length === 0) {
      const chosen = office(state.officeId);
      status.textContent = chosen && chosen.kind === "pop_up" && chosen.open_on.length > 0
        ? fill(t.noSlotsPopUp, { dates: chosen.open_on.map(formatShortDate).join(", ") })
        : fill(t.noSlots, { days: DAYS_AHEAD });
      return;
    }
    status.textContent = fill(t.slotsFound, { count: state.slots.length });
    const days = [];
    state.slots.forEach(function (slot) {
      const last = days[days.length - 1];
      if (last && last.date === slot.date) last.slots.push(slot);
      else days.push({ date: slot.date, slots: [slot] });
    });
    days.forEach(function (day) {
      const legendId = "day-" + day.date;
      const times = element("div", { className: "times" });
      day.slots.forEach(function (slot, index) {
        const id = "slot-" + day.date + "-" + index;
        const input = element("input", { type: "radio", name: "slot", value: slot.slot_id, id: id });
        input.checked = slot.slot_id === state.slotId;
        times.append(element("label", { className: "time", for: id }, [input, element("span", { text: slot.time })]));
      });
      const legend = element("legend", { id: legendId }, [
        element("span", { className: "day-name", text: formatDate(day.date) }),
        element("span", { className: "day-count", text: " · " + fill(t.slotCount, { count: day.slots.length }) }),
      ]);
      box.append(element("fieldset", { className: "day" }, [legend, times]));
    });
  }

  function renderSummary() {
    const slot = state.slots && state.slots.find(function (s) { return s.slot_id === state.slotId; });
    const o = office(state.officeId);
    $("summary").textContent = slot && o
      ? fill(m().summary, { service: serviceName(service(state.serviceId)), office: o.name, date: formatDate(slot.date), time: slot.time })
      : "";
  }

  function showError(id, error) {
    const node = $(id);
    node.textContent = errorText(error);
    node.hidden = !error;
  }

  function details(list, rows) {
    list.replaceChildren();
    rows.forEach(function (row) {
      if (!row[1]) return;
      list.append(element("dt", { text: row[0] }), element("dd", { text: row[1] }));
    });
  }

  function renderBooking() {
    const t = m();
    showError("booking-error", state.bookingError);
    $("family-name").setAttribute("aria-invalid", state.bookingError && (state.bookingError.local === "needName" || state.bookingError.code === "booking_family_name_invalid") ? "true" : "false");
    $("book").disabled = state.busy;
    if (state.busy) $("book").textContent = t.booking;
    const booked = state.booking;
    $("booking").hidden = !!booked;
    $("booking-result").hidden = !booked;
    if (booked) {
      $("booking-code").textContent = booked.booking_code;
      details($("booking-details"), [
        [t.detailService, serviceName(service(booked.service_id))],
        [t.detailOffice, booked.office_name],
        [t.detailAddress, booked.office_address],
        [t.detailDate, formatDate(booked.date)],
        [t.detailTime, booked.time + t.timeSuffix],
      ]);
    } else {
      $("booking-code").textContent = "";
      $("booking-details").replaceChildren();
    }
  }

  function renderCancel() {
    const t = m();
    showError("cancel-error", state.cancelError);
    $("cancel-code").setAttribute("aria-invalid", state.cancelError ? "true" : "false");
    $("cancel-button").disabled = state.busy;
    if (state.busy) $("cancel-button").textContent = t.cancelling;
    $("cancel-result").hidden = !state.cancelled;
    if (state.cancelled) {
      details($("cancel-details"), [
        [t.detailOffice, state.cancelled.office_name],
        [t.detailDate, formatDate(state.cancelled.date)],
        [t.detailTime, state.cancelled.time + t.timeSuffix],
      ]);
    }
  }

  function render() {
    const directory = state.directory ? "loaded" : state.directoryError ? "error" : "loading";
    renderStatic();
    rebuild("services", [state.lang, directory].join("|"), renderServices);
    rebuild("offices", [state.lang, directory, state.serviceId].join("|"), renderOffices);
    const chosen = office(state.officeId);
    $("office").value = state.officeId;
    $("office-address").textContent = chosen ? chosen.address : "";
    rebuild("slots", [state.lang, state.serviceId, state.officeId, slotsVersion].join("|"), renderSlots);
    renderSummary();
    renderBooking();
    renderCancel();
  }

  // --- actions ---------------------------------------------------------------------------------

  async function loadDirectory() {
    try {
      state.directory = await call("GET", API.offices);
      state.directoryError = null;
    } catch (error) {
      state.directoryError = error;
    }
    render();
  }

  async function loadSlots() {
    const request = ++slotsRequest;
    slotsVersion += 1;
    state.slots = null;
    state.slotsError = null;
    state.slotId = "";
    if (!state.serviceId || !state.officeId) {
      render();
      return;
    }
    state.slotsLoading = true;
    render();
    const query = new URLSearchParams({ office: state.officeId, service: state.serviceId, days: String(DAYS_AHEAD) });
    try {
      const free = await call("GET", API.slots + "?" + query.toString());
      if (request !== slotsRequest) return;
      state.slots = Array.isArray(free.slots) ? free.slots : [];
    } catch (error) {
      if (request !== slotsRequest) return;
      state.slotsError = error;
    }
    state.slotsLoading = false;
    slotsVersion += 1;
    render();
  }

  async function book(event) {
    event.preventDefault();
    if (state.busy) return;
    const name = $("family-name").value.trim();
    let local = null;
    let focus = null;
    if (!state.serviceId) { local = "needService"; focus = document.querySelector("input[name=service]"); }
    else if (!state.officeId) { local = "needOffice"; focus = $("office"); }
    else if (!state.slotId) { local = "needSlot"; focus = document.querySelector("input[name=slot]"); }
    else if (!name) { local = "needName"; focus = $("family-name"); }
    if (local) {
      state.bookingError = { local: local };
      render();
      if (focus) focus.focus();
      return;
    }
    state.busy = true;
    state.bookingError = null;
    render();
    try {
      state.booking = await call("POST", API.book, { slot_id: state.slotId, service_id: state.serviceId, family_name: name });
      $("family-name").value = "";
      state.busy = false;
      render();
      $("booking-result-heading").focus();
    } catch (error) {
      state.busy = false;
      state.bookingError = error;
      render();
      if (error.code === "slot_taken" || error.code === "slot_unknown") {
        const shown = error;
        await loadSlots();
        state.bookingError = shown;
        render();
      }
      if (error.code === "booking_family_name_invalid") $("family-name").focus();
    }
  }

  function normalCode(code) { return code.replace(/[\s-]/g, "").toUpperCase(); }

  async function cancel(event) {
    event.preventDefault();
    if (state.busy) return;
    const code = $("cancel-code").value.trim();
    state.cancelled = null;
    if (!code) {
      state.cancelError = { local: "needCode" };
      render();
      $("cancel-code").focus();
      return;
    }
    state.busy = true;
    state.cancelError = null;
    render();
    try {
      state.cancelled = await call("POST", API.cancel, { booking_code: code });
      $("cancel-code").value = "";
      state.busy = false;
      // The booking shown above is this one: its confirmation (and code) goes, the form comes back.
      const shownHere = state.booking && normalCode(state.booking.booking_code) === normalCode(code);
      if (shownHere) state.booking = null;
      render();
      $("cancel-result-heading").focus();
      if (shownHere) loadSlots();
    } catch (error) {
      state.busy = false;
      state.cancelError = error;
      render();
    }
  }

  function switchLanguage() {
    state.lang = state.lang === "de" ? "en" : "de";
    const url = new URL(window.location.href);
    if (state.lang === "en") url.searchParams.set("lang", "en");
    else url.searchParams.delete("lang");
    window.history.replaceState(null, "", url.pathname + url.search);
    render();
    $("language").focus();
  }

  function bookAnother() {
    state.booking = null;
    state.bookingError = null;
    render();
    loadSlots().then(function () {
      const first = document.querySelector("input[name=slot]") || $("office");
      first.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("language").addEventListener("click", switchLanguage);
    $("services").addEventListener("change", function (event) {
      if (event.target.name !== "service") return;
      state.serviceId = event.target.value;
      const o = office(state.officeId);
      if (o && o.services.indexOf(state.serviceId) < 0) state.officeId = "";
      state.bookingError = null;
      loadSlots();
    });
    $("office").addEventListener("change", function (event) {
      state.officeId = event.target.value;
      state.bookingError = null;
      loadSlots();
    });
    $("slots").addEventListener("change", function (event) {
      if (event.target.name !== "slot") return;
      state.slotId = event.target.value;
      state.bookingError = null;
      renderSummary();
      showError("booking-error", null);
    });
    $("booking").addEventListener("submit", book);
    $("cancel").addEventListener("submit", cancel);
    $("another").addEventListener("click", bookAnother);
    render();
    loadDirectory();
  });
})();
