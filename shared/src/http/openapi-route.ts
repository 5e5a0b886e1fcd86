import { Router } from 'express';
import { API_ROUTES, type RouteOwner } from '../api/api-routes';
import { buildOpenApiDocument, type OpenApiDocument } from '../api/openapi-document';

/** `GET /openapi.json`: the document of the routes this process registers, built once on first ask. */
export function openApiRoute(owner: RouteOwner): Router {
  const router = Router();
  let document: OpenApiDocument | undefined;
  router.get(API_ROUTES.openapi.path, (_req, res) => {
    document ??= buildOpenApiDocument(owner);
    res.json(document);
  });
  return router;
}
