"""The customer pages, one module per portal section. Views parse input, call one selector or
service, and render; `common.customer_view` hands each view the signed-in customer."""
