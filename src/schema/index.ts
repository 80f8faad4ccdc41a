import { builder } from './builder.js';
import './enums.js';
import './usage.js';
import './provider.js';
import './mcp.js';
import './tool-call.js';
import './participant.js';
import './message.js';
import './discussion.js';
import './fork.js';
import './replay.js';
import './events.js';

export const schema = builder.toSchema({ sortSchema: false });
