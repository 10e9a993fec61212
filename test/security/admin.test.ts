// The admin gate around `forget`: only configured admins erase data; refusals are logged and erase nothing.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { asAdmin, isAdmin, NotAdminError } from '../../src/security/admin.js';

const config = loadConfig({
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 's',
  SLACK_AGENT_USERS: 'UAGENT',
  SLACK_ADMIN_USERS: 'UADMIN',
  SLACK_ADMIN_USERGROUPS: 'SADMINS',
  DISCORD_TOKEN: 't',
  DISCORD_APPLICATION_ID: '123456789012345678',
  DISCORD_ADMIN_ROLES: '223456789012345678',
  DISCORD_ADMIN_USERS: '323456789012345678',
});

describe('admin gate for forget', () => {
  it('reads admin users, groups and roles from the configuration', () => {
    expect(config.slack).toMatchObject({ adminUsers: ['UADMIN'], adminUsergroups: ['SADMINS'] });
    expect(config.discord).toMatchObject({ adminRoles: ['223456789012345678'], adminUsers: ['323456789012345678'] });
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_ADMIN_USERS: '{"$gt":""}' })).toThrow(/SLACK_ADMIN_USERS/);
  });

  it('admits admins by user, group or role and nobody else', () => {
    const slack = { platform: 'slack' as const, workspaceId: 'T1' };
    expect(isAdmin({ ...slack, userId: 'UADMIN' }, config)).toBe(true);
    expect(isAdmin({ ...slack, userId: 'UOTHER', usergroups: ['SADMINS'] }, config)).toBe(true);
    expect(isAdmin({ ...slack, userId: 'UAGENT' }, config)).toBe(false);
    expect(isAdmin({ ...slack, userId: 'UAGENT', usergroups: ['SOTHER'] }, config)).toBe(false);
    const discord = { platform: 'discord' as const, workspaceId: '423456789012345678' };
    expect(isAdmin({ ...discord, userId: '523456789012345678', roles: ['223456789012345678'] }, config)).toBe(true);
    expect(isAdmin({ ...discord, userId: '323456789012345678' }, config)).toBe(true);
    expect(isAdmin({ ...discord, userId: '523456789012345678', roles: ['999999999999999999'] }, config)).toBe(false);
    // An id admitted on one platform is nothing on the other.
    expect(isAdmin({ ...discord, userId: 'UADMIN' }, config)).toBe(false);
    expect(isAdmin({ ...slack, userId: '323456789012345678' }, loadConfig({}))).toBe(false);
  });

  it('runs the erasure for an admin and refuses others with a log line, erasing nothing', async () => {
    let out = '';
    const log = createLogger('info', new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) }));
    let erased = 0;
    const erase = async () => ++erased;
    await expect(asAdmin({ platform: 'slack', workspaceId: 'T1', userId: 'UAGENT' }, 'slack:T1:UCUST', config, log, erase)).rejects.toBeInstanceOf(NotAdminError);
    expect(erased).toBe(0);
    expect(out).toMatch(/"msg":"forget refused: not an admin"/);
    expect(await asAdmin({ platform: 'slack', workspaceId: 'T1', userId: 'UADMIN' }, 'slack:T1:UCUST', config, log, erase)).toBe(1);
    expect(out).toMatch(/"userId":"UADMIN","customerId":"slack:T1:UCUST","msg":"customer data erased by admin"/);
  });
});
