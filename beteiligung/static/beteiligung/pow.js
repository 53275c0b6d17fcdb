/* Proof of work for public forms (beteiligung/participation/spam.py), ALTCHA protocol v1:
 * find number <= maxNumber with SHA-256(salt + number) == challenge, then put
 * base64(JSON {algorithm, challenge, number, salt, signature}) into the payload field.
 *
 * Progressive enhancement only: the form works without this script, and submitting is
 * never held up (an unsolved form is sent without payload; the server then applies the
 * stricter rate limit). Solving starts when someone begins to use a form, in the page
 * (the Content-Security-Policy allows no blob: workers), in small batches that leave the
 * page responsive. Nothing is shown. No external origin, no inline script. */
(function () {
  "use strict";
  var BATCH = 500;
  var subtle = window.crypto && window.crypto.subtle;
  if (!subtle || !window.TextEncoder || !window.Promise) {
    return; // old browser or no secure context: the server falls back to its limits
  }
  var encoder = new TextEncoder();

  function hexToBytes(hex) {
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return bytes;
  }

  function equal(buffer, expected) {
    var bytes = new Uint8Array(buffer);
    if (bytes.length !== expected.length) return false;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== expected[i]) return false;
    }
    return true;
  }

  function pause() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function solve(challenge) {
    var expected = hexToBytes(challenge.challenge);
    var max = Number(challenge.maxNumber) || 1000000;
    function batch(start) {
      if (start > max) return Promise.resolve(null);
      var end = Math.min(start + BATCH - 1, max);
      var hashes = [];
      for (var n = start; n <= end; n++) {
        hashes.push(subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      return Promise.all(hashes).then(function (results) {
        for (var i = 0; i < results.length; i++) {
          if (equal(results[i], expected)) return start + i;
        }
        return pause().then(function () { return batch(end + 1); });
      });
    }
    return batch(0);
  }

  function start(form) {
    if (form.dataset.powStarted) return;
    form.dataset.powStarted = "1";
    var challengeField = form.querySelector('input[data-pow="challenge"]');
    var payloadField = form.querySelector('input[data-pow="payload"]');
    if (!challengeField || !payloadField) return;
    var challenge;
    try {
      challenge = JSON.parse(challengeField.value);
    } catch (e) {
      return;
    }
    if (!challenge || challenge.algorithm !== "SHA-256") return;
    solve(challenge).then(function (number) {
      if (number === null) return;
      payloadField.value = btoa(JSON.stringify({
        algorithm: challenge.algorithm,
        challenge: challenge.challenge,
        number: number,
        salt: challenge.salt,
        signature: challenge.signature
      }));
      form.dataset.powSolved = "1";
    }, function () { /* no payload: the server's stricter limit applies */ });
  }

  function onUse(event) {
    var target = event.target;
    var form = target && (target.form || (target.closest && target.closest("form")));
    if (form && form.querySelector('input[data-pow="challenge"]')) start(form);
  }

  // A form is solved once someone starts to use it (a pointer over it, a field focused,
  // something typed): a page with many small forms (ratings) does not solve them all.
  document.addEventListener("focusin", onUse);
  document.addEventListener("input", onUse);
  document.addEventListener("pointerover", onUse);
})();
