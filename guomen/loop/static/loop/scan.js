// Read a loop card's QR code with the phone camera (getUserMedia + jsQR on a <canvas>), put the
// code in the form and submit it. Typing the code always works: this only helps. The form is the
// loop's accept page (#scan-form) or any form marked data-scan (the offline field page); it works
// without a network (the field page's service worker keeps this file and jsQR).
(function () {
  "use strict";
  const CODE = /^GM[A-Z0-9]{8}$/;
  // The loop card's code in a frame (ImageData), or "": the camera's path and the only decoder.
  function codeIn(image) {
    if (typeof window.jsQR !== "function") return "";
    const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    const text = found && found.data ? found.data.trim().toUpperCase() : "";
    return CODE.test(text) ? text : "";
  }
  window.guomenScan = { codeIn: codeIn };
  function init() {
    const form = document.getElementById("scan-form") || document.querySelector("form[data-scan]");
    const button = document.getElementById("scan-start");
    const box = document.getElementById("scanner");
    const video = document.getElementById("scan-video");
    const canvas = document.getElementById("scan-canvas");
    const status = document.getElementById("scan-status");
    const input = form && form.querySelector('input[name="code"]');
    if (!form || !button || !video || !canvas || !input) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") return;
    button.hidden = false;
    const startLabel = button.textContent;
    let stream = null;
    let timer = null;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.srcObject = null;
      box.hidden = true;
      button.textContent = startLabel;
    }
    function tick() {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth) {
        const w = Math.min(video.videoWidth, 640);
        const h = Math.round((video.videoHeight * w) / video.videoWidth);
        canvas.width = w;
        canvas.height = h;
        ctx.drawImage(video, 0, 0, w, h);
        const text = codeIn(ctx.getImageData(0, 0, w, h));
        if (text) {
          input.value = text;
          status.textContent = (button.dataset.found || "") + " " + text;
          stop();
          const room = form.querySelector('input[name="room"]');
          if (room && !room.value && form.hasAttribute("data-needs-room")) {
            room.focus();
            return;
          }
          form.requestSubmit ? form.requestSubmit() : form.submit();
          return;
        }
      }
      timer = window.setTimeout(tick, 200);
    }
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.setAttribute("playsinline", "");
          box.hidden = false;
          button.textContent = button.dataset.labelStop || startLabel;
          return video.play();
        })
        .then(tick)
        .catch(function () {
          stop();
          status.textContent = button.dataset.noCamera || "";
          box.hidden = false;
          input.focus();
        });
    });
    window.addEventListener("pagehide", stop);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
