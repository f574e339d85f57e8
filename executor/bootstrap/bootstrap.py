# gatehouse's Python runtime: a Lambda Runtime API client (spec/executor.md sections 2 and 4).
# It runs inside the sandbox as /var/runtime/bootstrap.py; the handler's module is imported
# from /var/task once, then each event from /next is handed to it.
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"
conn = http.client.HTTPConnection(API)


def request(method, path, body=None, headers=None):
    global conn
    for attempt in range(2):
        try:
            conn.request(method, PREFIX + path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        except (http.client.HTTPException, ConnectionError):
            if attempt:
                raise
            conn.close()
            conn = http.client.HTTPConnection(API)


def version_note():
    identifier = os.environ.get("AWS_EXECUTION_ENV", "").replace("AWS_Lambda_", "")
    served = "%d.%d" % sys.version_info[:2]
    if identifier.startswith("python") and identifier != "python" + served:
        print("gatehouse: runtime %s served by Python %s" % (identifier, sys.version.split()[0]), flush=True)


def endpoint_url_for_old_botocore():
    """Debian's botocore predates AWS_ENDPOINT_URL: clients made without endpoint_url get it."""
    url = os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        return
    import importlib.abc
    import importlib.machinery

    def patch(module):
        original = module.Session.create_client
        if getattr(original, "_gatehouse", False):
            return

        def create_client(self, service_name, *args, **kwargs):
            if len(args) < 5 and kwargs.get("endpoint_url") is None:
                kwargs["endpoint_url"] = url
            return original(self, service_name, *args, **kwargs)

        create_client._gatehouse = True
        module.Session.create_client = create_client

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "botocore.session":
                return None
            sys.meta_path.remove(self)
            try:
                spec = importlib.util.find_spec(name)
            finally:
                sys.meta_path.insert(0, self)
            if spec is None or spec.loader is None:
                return None
            loader = spec.loader
            exec_module = loader.exec_module

            def run(module):
                exec_module(module)
                patch(module)
                sys.meta_path[:] = [f for f in sys.meta_path if f is not self]

            loader.exec_module = run
            return spec

    import importlib.util  # noqa: F401 (find_spec above)
    sys.meta_path.insert(0, Finder())


class Client:
    """context.client_context.client, as Lambda's Python runtime makes it."""

    def __init__(self, client):
        self.installation_id = client.get("installation_id")
        self.app_title = client.get("app_title")
        self.app_version_name = client.get("app_version_name")
        self.app_version_code = client.get("app_version_code")
        self.app_package_name = client.get("app_package_name")


class ClientContext:
    """context.client_context: the caller's X-Amz-Client-Context, as attributes."""

    def __init__(self, value):
        client = value.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = value.get("custom")
        self.env = value.get("env")


class Context:
    def __init__(self, headers):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        client_context = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = ClientContext(json.loads(client_context)) if client_context else None
        identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.identity = json.loads(identity) if identity else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def error_body(error_type, message, request_id, stack):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def load_handler():
    """The handler, or the error every invocation reports (as Lambda's Python runtime does)."""
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        return None, ("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack" % spec)
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        return None, ("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        return None, ("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e))
    except Exception as e:  # module-level code raised
        return None, (type(e).__name__, "Unable to import module '%s': %s" % (module_name, e))
    handler = getattr(module, function_name, None)
    if handler is None:
        return None, ("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return handler, None


def main():
    version_note()
    endpoint_url_for_old_botocore()
    handler, init_error = load_handler()
    while True:
        response, body = request("GET", "/invocation/next")
        headers = {k: v for k, v in response.getheaders()}
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        if init_error:
            error_type, message = init_error
            payload = error_body(error_type, message, "", [])
            request("POST", "/invocation/%s/error" % request_id, json.dumps(payload).encode(),
                    {"Lambda-Runtime-Function-Error-Type": error_type, "Content-Type": "application/json"})
            continue
        try:
            event = json.loads(body) if body else None
            result = handler(event, Context(headers))
            out = json.dumps(result).encode()
        except Exception as e:
            error_type = type(e).__name__
            tb = traceback.extract_tb(e.__traceback__)[1:]
            stack = traceback.format_list(tb)
            payload = error_body(error_type, str(e), request_id, stack)
            print("[ERROR] %s: %s" % (error_type, e), flush=True)
            request("POST", "/invocation/%s/error" % request_id, json.dumps(payload).encode(),
                    {"Lambda-Runtime-Function-Error-Type": "Runtime.Unhandled", "Content-Type": "application/json"})
            continue
        request("POST", "/invocation/%s/response" % request_id, out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
