// Storage commitment (DICOM PS3.4 annex J) between the real `tessera` binary
// (TESSERA_BINARY) and a modality played by dcmjs-dimse, an independent DICOM
// network stack: the modality stores with DCMTK's storescu, asks for commitment
// with an N-ACTION, and receives the N-EVENT-REPORT on an association Tessera
// opens to its configured host and port — also when Tessera stopped or crashed
// in between.
//
//   TESSERA_BINARY=build/src/app/tessera node --test commitment.test.mjs
import dimse from 'dcmjs-dimse';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {appendFileSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {freePort, startTessera} from './lib/server.mjs';

const {Client, Dataset, Scp, Server} = dimse;
const {
  CEchoRequest,
  NActionRequest,
  NCreateRequest,
  NDeleteRequest,
  NEventReportRequest,
  NGetRequest,
  NSetRequest
} = dimse.requests;
const {NEventReportResponse} = dimse.responses;
const {PresentationContextResult, SopClass, Status, TransferSyntax} = dimse.constants;

const kHere = dirname(fileURLToPath(import.meta.url));
const kOutput = join(kHere, 'output');
const kTestFiles = process.env.TESSERA_PYDICOM_TEST_FILES ??
    '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const kCommitmentInstance = '1.2.840.10008.1.20.1.1';
const kModality = 'MODALITY';
const binary = process.env.TESSERA_BINARY;
mkdirSync(kOutput, {recursive: true});
dimse.log.setLevel('silent');

// Every N-EVENT-REPORT the modality received: {callingAe, eventTypeId, dataset}.
const reports = [];
let reportArrived = () => {};

class ModalityScp extends Scp {
  associationRequested(association) {
    this.association = association;
    for (const {id} of association.getPresentationContexts()) {
      const context = association.getPresentationContext(id);
      const wanted = context.getAbstractSyntaxUid() === SopClass.StorageCommitmentPushModel;
      const syntax = context.getTransferSyntaxUids().find(
          (uid) => uid === TransferSyntax.ExplicitVRLittleEndian ||
              uid === TransferSyntax.ImplicitVRLittleEndian);
      if (wanted && syntax) {
        context.setResult(PresentationContextResult.Accept, syntax);
      } else {
        context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      }
    }
    this.sendAssociationAccept();
  }

  nEventReportRequest(request, callback) {
    reports.push({
      callingAe: this.association.getCallingAeTitle(),
      eventTypeId: request.getEventTypeId(),
      dataset: request.getDataset().getElements()
    });
    reportArrived();
    const response = NEventReportResponse.fromRequest(request);
    response.setStatus(Status.Success);
    callback(response);
  }

  associationReleaseRequested() {
    this.sendAssociationReleaseResponse();
  }
}

let server;
let modalityPort;
let modality;

function listenAsModality() {
  modality = new Server(ModalityScp);
  modality.listen(modalityPort, '127.0.0.1');
}

function storeWithStorescu(files) {
  execFileSync(
      'storescu',
      ['-aet', kModality, '-aec', 'TESSERA', '127.0.0.1', String(server.dicomPort), ...files],
      {stdio: 'pipe'});
}

// Sends one N-ACTION as `callingAe`; resolves with its response.
function requestCommitment(items, {callingAe = kModality, transactionUid} = {}) {
  const request = new NActionRequest(SopClass.StorageCommitmentPushModel, kCommitmentInstance, 1);
  const information = {
    ReferencedSOPSequence: items.map(
        (item) =>
            ({ReferencedSOPClassUID: item.sopClass, ReferencedSOPInstanceUID: item.sopInstance}))
  };
  if (transactionUid !== null) information.TransactionUID = transactionUid;
  request.setDataset(new Dataset(information));
  return new Promise((resolve, reject) => {
    const client = new Client();
    let answer;
    request.on('response', (response) => {
      answer = response;
    });
    client.on('networkError', reject);
    client.on(
        'associationRejected',
        (reason) => reject(new Error(`rejected: ${JSON.stringify(reason)}`)));
    client.on(
        'closed', () => (answer ? resolve(answer) : reject(new Error('no N-ACTION response'))));
    client.addRequest(request);
    client.send('127.0.0.1', server.dicomPort, callingAe, 'TESSERA');
  });
}

// Sends `requests` on one association as the modality; resolves with their
// responses, in order, once the association has closed.
function sendOnOneAssociation(requests) {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const answers = new Map();
    for (const request of requests) {
      request.on('response', (response) => answers.set(request, response));
      client.addRequest(request);
    }
    client.on('networkError', reject);
    client.on(
        'associationRejected',
        (reason) => reject(new Error(`rejected: ${JSON.stringify(reason)}`)));
    client.on('closed', () => resolve(requests.map((request) => answers.get(request))));
    client.send('127.0.0.1', server.dicomPort, kModality, 'TESSERA');
  });
}

// Resolves with the report of `transactionUid`, or rejects after `ms`.
function reportOf(transactionUid, ms = 15000) {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`no report of ${transactionUid}`)), ms);
    const look = () => {
      const found = reports.find((r) => r.dataset.TransactionUID === transactionUid);
      if (!found) return;
      clearTimeout(deadline);
      resolve(found);
    };
    reportArrived = look;
    look();
  });
}

function instanceOf(file) {
  const dataset = Dataset.fromFile(join(kTestFiles, file));
  return {
    sopClass: dataset.getElement('SOPClassUID'),
    sopInstance: dataset.getElement('SOPInstanceUID'),
    path: join(kTestFiles, file)
  };
}

function references(sequence = []) {
  return sequence
      .map((item) => ({
             sopClass: item.ReferencedSOPClassUID,
             sopInstance: item.ReferencedSOPInstanceUID,
             reason: item.FailureReason
           }))
      .sort((a, b) => a.sopInstance.localeCompare(b.sopInstance));
}

let transactions = 0;
function newTransactionUid() {
  transactions += 1;
  return `2.25.${Date.now()}${transactions}`;
}

const ct = instanceOf('CT_small.dcm');
const mr = instanceOf('MR_small.dcm');

before(async () => {
  if (!binary) return;
  modalityPort = await freePort();
  server = await startTessera({
    binary,
    adminPassword: 'Commit-Passw0rd!',
    logFile: join(kOutput, 'commitment-server.log'),
    beforeServe: (data) => appendFileSync(join(data, 'tessera.toml'), `
[[dicom.modalities]]
ae_title = "${kModality}"
host = "127.0.0.1"
port = ${modalityPort}
allow = ["echo", "store"]
`)
  });
  listenAsModality();
  storeWithStorescu([ct.path, mr.path]);
});

after(async () => {
  modality?.close();
  await server?.stop();
});

const options = {
  skip: binary ? false : 'set TESSERA_BINARY to the tessera binary to run'
};

test('stored instances are committed in a report on a new association', options, async () => {
  const transactionUid = newTransactionUid();
  const response = await requestCommitment([ct, mr], {transactionUid});
  assert.equal(response.getStatus(), Status.Success);

  const report = await reportOf(transactionUid);
  assert.equal(report.callingAe, 'TESSERA');
  assert.equal(report.eventTypeId, 1, 'event type 1: every instance committed');
  assert.equal(report.dataset.RetrieveAETitle, 'TESSERA');
  assert.deepEqual(
      references(report.dataset.ReferencedSOPSequence),
      references([ct, mr].map(
          (i) => ({ReferencedSOPClassUID: i.sopClass, ReferencedSOPInstanceUID: i.sopInstance}))));
  assert.equal(report.dataset.FailedSOPSequence, undefined);
});

test('instances not stored, or stored as another class, are reported failed', options, async () => {
  const transactionUid = newTransactionUid();
  const missing = {sopClass: ct.sopClass, sopInstance: '2.25.1234567890'};
  const wrongClass = {sopClass: mr.sopClass, sopInstance: ct.sopInstance};
  const response = await requestCommitment([mr, missing, wrongClass], {transactionUid});
  assert.equal(response.getStatus(), Status.Success);

  const report = await reportOf(transactionUid);
  assert.equal(report.eventTypeId, 2, 'event type 2: failures exist');
  assert.deepEqual(
      references(report.dataset.ReferencedSOPSequence),
      [{sopClass: mr.sopClass, sopInstance: mr.sopInstance, reason: undefined}]);
  assert.deepEqual(references(report.dataset.FailedSOPSequence), references([
                     {
                       ReferencedSOPClassUID: missing.sopClass,
                       ReferencedSOPInstanceUID: missing.sopInstance,
                       FailureReason: 0x0112
                     },
                     {
                       ReferencedSOPClassUID: wrongClass.sopClass,
                       ReferencedSOPInstanceUID: wrongClass.sopInstance,
                       FailureReason: 0x0119
                     }
                   ]));
});

test('a report the modality cannot take yet is sent again', options, async () => {
  modality.close();
  const transactionUid = newTransactionUid();
  const response = await requestCommitment([ct], {transactionUid});
  assert.equal(response.getStatus(), Status.Success);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(reports.find((r) => r.dataset.TransactionUID === transactionUid), undefined);
  listenAsModality();
  const report = await reportOf(transactionUid, 20000);
  assert.equal(report.eventTypeId, 1);
});

for (const [how, signal] of [['a stop', 'SIGTERM'], ['a crash', 'SIGKILL']]) {
  test(`a report owed at ${how} is sent after the restart`, options, async () => {
    modality.close();
    const transactionUid = newTransactionUid();
    const response = await requestCommitment([ct, mr], {transactionUid});
    assert.equal(response.getStatus(), Status.Success);
    await server.restart(signal);
    listenAsModality();
    const report = await reportOf(transactionUid, 30000);
    assert.equal(report.eventTypeId, 1);
    assert.equal(references(report.dataset.ReferencedSOPSequence).length, 2);
  });
}

test('requests Tessera cannot answer are refused with a reason', options, async () => {
  // Unknown callers may store, but there is nowhere to send their report.
  const stranger =
      await requestCommitment([ct], {callingAe: 'STRANGER', transactionUid: newTransactionUid()});
  assert.equal(stranger.getStatus(), 0x0110);
  assert.match(stranger.getErrorComment(), /dicom\.modalities/);

  const malformed = await requestCommitment([ct], {transactionUid: null});
  assert.equal(malformed.getStatus(), 0x0115);
  assert.match(malformed.getErrorComment(), /Transaction UID/);
});

test('DIMSE-N requests Tessera does not serve are answered, and the association goes on', options,
     async () => {
  const sopClass = SopClass.StorageCommitmentPushModel;
  const withData = (request) => {
    request.setDataset(new Dataset({PatientName: 'Nobody'}));
    return request;
  };
  const refused = [
    new NGetRequest(sopClass, kCommitmentInstance, ['00100010']),
    withData(new NSetRequest(sopClass, kCommitmentInstance)),
    withData(new NCreateRequest(sopClass, '1.2.3.4')),
    new NDeleteRequest(sopClass, kCommitmentInstance),
    withData(new NEventReportRequest(sopClass, kCommitmentInstance, 1)),
  ];
  const transactionUid = newTransactionUid();
  const commitment = new NActionRequest(sopClass, kCommitmentInstance, 1);
  commitment.setDataset(new Dataset({
    TransactionUID: transactionUid,
    ReferencedSOPSequence:
        [{ReferencedSOPClassUID: ct.sopClass, ReferencedSOPInstanceUID: ct.sopInstance}]
  }));
  const echo = new CEchoRequest();

  const responses = await sendOnOneAssociation([...refused, commitment, echo]);
  for (const [index, response] of responses.slice(0, refused.length).entries()) {
    assert.ok(response, `a response to request ${index}`);
    assert.equal(response.getStatus(), Status.UnrecognizedOperation, `request ${index}`);
    assert.match(response.getErrorComment(), /is not supported/);
  }
  assert.equal(responses[refused.length].getStatus(), Status.Success, 'the N-ACTION after them');
  assert.equal(responses[refused.length + 1].getStatus(), Status.Success, 'the C-ECHO');
  const report = await reportOf(transactionUid);
  assert.equal(report.eventTypeId, 1);
});
