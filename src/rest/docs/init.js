// Renders /v1/openapi.json with the Swagger UI bundle served beside this file (nothing from another host).
window.ui = window.SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // The validator badge would call validator.swagger.io.
  validatorUrl: null,
  persistAuthorization: false,
});
