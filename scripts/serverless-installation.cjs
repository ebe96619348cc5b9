/**
 * A local Serverless Framework plugin: refuses to package or deploy an installation whose id is not
 * letters and digits only (lib/inventory/naming.ts holds the rule and why; test/unit/installation-ids.test.ts
 * holds the two to the same answers). Here before anything is built, so a bad id never reaches AWS.
 */
'use strict';

const MAX_INSTALLATION_LENGTH = 40;
const INSTALLATION_PATTERN = new RegExp(`^[A-Za-z0-9]{1,${MAX_INSTALLATION_LENGTH}}$`);

class InstallationCheck {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.check(),
      'before:deploy:deploy': () => this.check(),
    };
  }

  check() {
    const installation = String(this.serverless.service.custom?.installation ?? '');
    if (INSTALLATION_PATTERN.test(installation)) return;
    throw new this.serverless.classes.Error(
      `custom.installation "${installation}" must be 1-${MAX_INSTALLATION_LENGTH} letters and digits: with a hyphen, ` +
        'one installation\'s ECS family names and IAM patterns could overlap another\'s (installation "prod" with ' +
        'family "eu-web" and installation "prod-eu" with family "web" would share tugboat-prod-eu-web). ' +
        'Set one with --param installation=<id>.',
    );
  }
}

module.exports = InstallationCheck;
module.exports.INSTALLATION_PATTERN = INSTALLATION_PATTERN;
