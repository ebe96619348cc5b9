/**
 * The conformance test's own instruments: the request validator the endpoints share, and the walk of an
 * answer against its output shape, each shown to catch what it is for.
 */
import { describe, expect, it } from 'vitest';
import { serviceModel } from '../../local/models/model';
import { requestViolations, validationMessage } from '../../local/models/validate';
import { brokenRequests, jsonProblems, xmlProblems } from './shapes';
import { parseXml, toQuery } from './wire';

const ecs = serviceModel('ecs');
const elb = serviceModel('elbv2');

describe('requestViolations', () => {
  it("names every member the model rejects, in AWS's wording", () => {
    const violations = requestViolations(
      ecs,
      'RunTask',
      { launchType: 'MOON', tags: [{ key: '', value: 'v' }] },
      'json',
    );
    expect(validationMessage(violations)).toBe(
      "3 validation errors detected: Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null; " +
        "Value 'MOON' at 'launchType' failed to satisfy constraint: Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES]; " +
        "Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('reads numbers and empty lists from query-protocol text, and leaves values of the wrong type to the service', () => {
    const input = { Name: 'web', HealthCheckIntervalSeconds: '4', Tags: '' };
    expect(requestViolations(elb, 'CreateTargetGroup', input, 'query').map((v) => v.constraint)).toEqual([
      'Member must have value greater than or equal to 5',
      'Member must have length greater than or equal to 1',
    ]);
    expect(requestViolations(elb, 'CreateTargetGroup', { Name: 'web', Port: 'eighty' }, 'query')).toEqual([]);
    expect(requestViolations(ecs, 'ListTasks', { maxResults: 'ten' }, 'json')).toEqual([]);
  });

  it('finds nothing in an operation outside the model', () => {
    expect(requestViolations(ecs, 'NoSuchOperation', {}, 'json')).toEqual([]);
  });
});

describe('brokenRequests', () => {
  it('leaves out each required member and breaks each constraint, one at a time', () => {
    const labels = brokenRequests(ecs, 'StopTask', { task: 'abc' }, 'json').map((broken) => broken.label);
    expect(labels).toEqual(['task: required']);
    const runTask = brokenRequests(ecs, 'RunTask', { taskDefinition: 'web' }, 'json');
    expect(runTask.map((broken) => broken.label)).toContain('launchType: enum');
    for (const broken of runTask)
      expect(requestViolations(ecs, 'RunTask', broken.input, 'json'), broken.label).not.toEqual([]);
  });

  it('keeps a structure whose only scalar is the left-out member on the query wire, through a nested member', () => {
    const valid = { ListenerArn: 'a', Conditions: [], Priority: 1, Actions: [] };
    const broken = brokenRequests(elb, 'CreateRule', valid, 'query').find(
      (request) => request.label === 'Transforms.1.Type: required',
    );
    expect(toQuery(broken?.input).toString()).toContain('Transforms.member.1.HostHeaderRewriteConfig');
    expect(requestViolations(elb, 'CreateRule', broken?.input ?? {}, 'query')).not.toEqual([]);
  });
});

describe('jsonProblems', () => {
  it('finds a member the model lacks, a wrong type and a value outside the enum, at any depth', () => {
    const answer = {
      cluster: { clusterName: 'apps', status: 'ACTIVE', runningTasksCount: 1.5, shoeSize: 44 },
    };
    expect(jsonProblems(ecs, 'CreateClusterResponse', answer)).toEqual([
      '$.cluster.runningTasksCount: 1.5 is not an integer (Integer)',
      '$.cluster.shoeSize: a member Cluster does not have',
    ]);
    expect(jsonProblems(ecs, 'DescribeTasksResponse', { tasks: [{ launchType: 'MOON' }] })).toEqual([
      "$.tasks[0].launchType: 'MOON' is not one of the enum's values [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES] (LaunchType)",
    ]);
    expect(jsonProblems(ecs, 'DescribeTasksResponse', { tasks: [{ createdAt: '2026-01-01' }] })).toEqual([
      '$.tasks[0].createdAt: "2026-01-01" is not a timestamp (epoch seconds) (Timestamp)',
    ]);
  });
});

describe('xmlProblems', () => {
  const result = (inner: string) =>
    parseXml(`<?xml version="1.0"?><R xmlns="x"><Result>${inner}</Result></R>`).children[0]!.children[0]!;

  it('walks lists of <member>, and finds unknown elements, bad scalars and a repeated member', () => {
    const good = result(
      '<TargetGroups><member><TargetGroupName>web</TargetGroupName><Port>80</Port><HealthCheckEnabled>true</HealthCheckEnabled></member></TargetGroups>',
    );
    expect(xmlProblems(elb, 'DescribeTargetGroupsOutput', good, 'R')).toEqual([]);
    const bad = result(
      '<TargetGroups><item/><member><Port>eighty</Port><Colour>red</Colour><Protocol>HTTP</Protocol><Protocol>TCP</Protocol></member></TargetGroups>',
    );
    expect(xmlProblems(elb, 'DescribeTargetGroupsOutput', bad, 'R')).toEqual([
      'R/TargetGroups/item: a list holds <member> elements only',
      'R/TargetGroups/member[2]/Port: "eighty" is not an integer (Port)',
      'R/TargetGroups/member[2]/Colour: a member TargetGroup does not have',
      'R/TargetGroups/member[2]/Protocol: given twice',
    ]);
  });

  it('writes query-protocol forms the way the SDK does', () => {
    expect(toQuery({ Targets: [{ Id: '10.0.0.1', Port: 80 }], Names: [] }).toString()).toBe(
      'Targets.member.1.Id=10.0.0.1&Targets.member.1.Port=80&Names=',
    );
  });
});
