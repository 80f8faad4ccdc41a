import { PERSONA_TEMPLATES, type PersonaTemplate } from '../engine/personas.js';
import type { ProviderInfo } from '../providers/registry.js';
import { builder } from './builder.js';
import { ProviderEnum } from './enums.js';

const ProviderInfoType = builder.objectRef<ProviderInfo>('ProviderInfo').implement({
  fields: (t) => ({
    name: t.field({ type: ProviderEnum, resolve: (info) => info.name }),
    configured: t.exposeBoolean('configured', { description: 'Whether the server has what this provider needs (its key or base URL).' }),
    defaultModel: t.exposeString('defaultModel', { description: 'The model an agent gets when it names none.' }),
  }),
});

const PersonaTemplateType = builder.objectRef<PersonaTemplate>('PersonaTemplate').implement({
  description: 'A ready-made persona: pass its name as `AgentInput.persona` (case-insensitive).',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    systemPrompt: t.exposeString('systemPrompt'),
  }),
});

builder.queryFields((t) => ({
  providers: t.field({
    type: [ProviderInfoType],
    description: 'Every provider, whether it is configured, and its default model.',
    resolve: (_root, _args, context) => context.providers.list(),
  }),
  personaTemplates: t.field({
    type: [PersonaTemplateType],
    resolve: () => PERSONA_TEMPLATES,
  }),
}));
