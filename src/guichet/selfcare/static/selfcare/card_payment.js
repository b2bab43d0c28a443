// Card payment pages. The card is typed in the PSP's own fields (Stripe Elements) and sent by
// the PSP's script to the PSP: this script never reads it. Loaded after the PSP's script.
"use strict";

(function () {
  var form = document.getElementById("card-form");
  if (form) {
    var stripe = Stripe(form.dataset.publishableKey, { locale: "fr" });
    var card = stripe.elements({ locale: "fr" }).create("card", { hidePostalCode: true });
    card.mount("#card-element");
    var sent = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sent) {
        return; // a double click sends the card once
      }
      sent = true;
      form.querySelector("button[type=submit]").disabled = true;
      document.getElementById("card-status").textContent = form.dataset.waitText;
      // Whatever the PSP answers here, the server asks the PSP how the card was taken, then
      // charges it or says why not: the posted form holds nothing but the CSRF token.
      stripe
        .confirmCardSetup(form.dataset.setupSecret, { payment_method: { card: card } })
        .finally(function () {
          form.submit();
        });
    });
  }

  var authentication = document.getElementById("authentication");
  if (authentication) {
    var psp = Stripe(authentication.dataset.publishableKey, { locale: "fr" });
    // The holder answers the bank in the PSP's own window; then the server asks the PSP.
    psp.confirmCardPayment(authentication.dataset.paymentSecret).finally(function () {
      authentication.submit();
    });
  }
})();
