'use strict';
// Relevant Patient Information C-FINDs through dcmjs-dimse on one association, reported as JSON.
//
// Usage: node rpi_find.js '<JSON>'
// input: {host, port, calling_ae, called_ae, cancel (bool), timeout_ms,
//         requests: [{sop_class_uid, PatientID, IssuerOfPatientID (string, or null for a
//                     zero-length key), template_id}]}
//   cancel: send a C-CANCEL-FIND for the first request right behind it.
// stdout: {events: [...], released: bool, requests: [{message_id, responses: [{status,
//          has_dataset, error_comment, message_id_being_responded_to, affected_sop_class_uid,
//          dataset (DICOM JSON model, or null)}]}]}
// Exit status 0 once the association closed; 2 on a timeout or a network error (the JSON is
// still printed, so the test shows what happened).

const dimse = require('dcmjs-dimse');
const dcmjs = require('dcmjs');

const { Client } = dimse;
const { CFindRequest } = dimse.requests;
const { DicomMetaDictionary } = dcmjs.data;

dimse.log.setLevel('silent');

function requestElements(query) {
  return {
    PatientName: '',
    PatientID: query.PatientID,
    IssuerOfPatientID: query.IssuerOfPatientID === null ? '' : query.IssuerOfPatientID,
    PatientBirthDate: '',
    PatientSex: '',
    ObservationDateTime: '',
    ValueType: '',
    ConceptNameCodeSequence: [],
    ContentSequence: [],
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: query.template_id }],
  };
}

function describe(response) {
  const dataset = response.getDataset();
  const command = response.getCommandDataset();
  return {
    status: response.getStatus(),
    has_dataset: response.hasDataset(),
    error_comment: response.getErrorComment() || null,
    message_id_being_responded_to: response.getMessageIdBeingRespondedTo(),
    affected_sop_class_uid: command.getElement('AffectedSOPClassUID') || null,
    dataset: dataset ? DicomMetaDictionary.denaturalizeDataset(dataset.getElements()) : null,
  };
}

function makeRequest(query, reported) {
  const request = new CFindRequest();
  request.setAffectedSopClassUid(query.sop_class_uid);
  request.setDataset(new dimse.Dataset(requestElements(query)));
  request.on('response', (response) => {
    reported.message_id = request.getMessageId();
    reported.responses.push(describe(response));
  });
  return request;
}

function main() {
  const input = JSON.parse(process.argv[2]);
  const report = { events: [], released: false, requests: [] };
  const finish = (code) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(code);
  };
  const timer = setTimeout(() => {
    report.events.push('timeout');
    finish(2);
  }, input.timeout_ms || 20000);

  const client = new Client();
  const requests = input.requests.map((query) => {
    const reported = { message_id: null, responses: [] };
    report.requests.push(reported);
    const request = makeRequest(query, reported);
    client.addRequest(request);
    return request;
  });
  client.on('associationAccepted', () => {
    report.events.push('associationAccepted');
    if (input.cancel) {
      // This handler runs before the client writes the first request: cancel right after it.
      setImmediate(() => {
        report.events.push('cancelSent');
        client.cancel(requests[0]);
      });
    }
  });
  client.on('associationRejected', (reject) => {
    report.events.push(`associationRejected:${JSON.stringify(reject)}`);
  });
  client.on('associationReleased', () => {
    report.released = true;
  });
  client.on('networkError', (err) => {
    report.events.push(`networkError:${err.message}`);
    clearTimeout(timer);
    finish(2);
  });
  client.on('closed', () => {
    report.events.push('closed');
    clearTimeout(timer);
    finish(0);
  });
  client.send(input.host, input.port, input.calling_ae, input.called_ae, {
    connectTimeout: 5000,
    associationTimeout: 10000,
    pduTimeout: 10000,
  });
}

main();
