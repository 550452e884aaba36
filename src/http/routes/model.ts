/** GET /model: the loaded semantic models (props, dimensions, metrics, KPIs) so clients can build pickers. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Catalog } from '../../model/types.js';
import { problemResponses } from '../schemas/common.js';

const Named = Type.Object({ name: Type.String(), label: Type.String() });
const ModelReply = Type.Object({
  version: Type.String(),
  models: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      events: Type.Array(Type.String()),
      props: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), type: Type.String() })),
      dimensions: Type.Array(Named),
      metrics: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), format: Type.String() })),
      kpis: Type.Array(Type.String()),
      actor: Type.Object({
        metrics: Type.Array(Type.String()),
        dimension: Type.Union([Type.String(), Type.Null()]),
        rankBy: Type.String(),
        group: Type.Union([Type.String(), Type.Null()]),
      }),
    }),
  ),
});

export const modelRoutes: FastifyPluginAsyncTypebox<{ catalog: Catalog }> = async (app, { catalog }) => {
  app.get('/model', {
    config: { permission: 'dashboard:read' },
    schema: { tags: ['dashboard'], summary: 'The semantic models: props, dimensions, metrics and KPIs', security: [{ bearer: [] }], response: { 200: ModelReply, ...problemResponses } },
    handler: async () => ({
      version: catalog.version,
      models: catalog.models.map((m) => ({
        name: m.name,
        label: m.label,
        events: m.events,
        props: m.props.map((p) => ({ name: p.name, label: p.label, type: p.type })),
        dimensions: m.dimensions.map((d) => ({ name: d, label: m.props.find((p) => p.name === d)?.label ?? d })),
        metrics: m.metrics.map((x) => ({ name: x.name, label: x.label, format: x.format })),
        kpis: m.kpis,
        actor: m.actor,
      })),
    }),
  });
};
