/**
 * Commands the relay answers itself, without an agent turn: `help`, `cost`, `stop`.
 */
import type { GitHub } from '../github/client';
import type { Settings } from '../inputs/settings';
import type { RelayRequest } from '../request/types';
import type { CommentPublisher } from '../report/publisher';
import { helpText } from './registry';

export interface DirectDeps {
  gh: GitHub;
  settings: Settings;
  publisher: CommentPublisher;
}

export interface DirectReply {
  url: string;
  summary: string;
}

export async function runDirectCommand(req: RelayRequest, deps: DirectDeps): Promise<DirectReply> {
  const phrase = deps.settings.trigger_phrase;
  switch (req.command.name) {
    case 'help': {
      const ref = await deps.publisher.reply(helpText(phrase));
      return { url: ref.url, summary: 'help' };
    }
    default: {
      const ref = await deps.publisher.reply(
        `\`${phrase} ${req.command.name}\` is not yet supported by this version of claude-relay.`,
      );
      return { url: ref.url, summary: `${req.command.name}: not yet supported` };
    }
  }
}
