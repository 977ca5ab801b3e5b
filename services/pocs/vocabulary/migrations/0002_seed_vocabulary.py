"""The first curated vocabulary. Later additions come as new data migrations."""

from django.db import migrations

L, F, P = "language", "framework", "platform"

ENTRIES = [
    # slug, name, kind, aliases
    ("python", "Python", L, ["py", "python3"]),
    ("javascript", "JavaScript", L, ["js", "ecmascript", "es6"]),
    ("typescript", "TypeScript", L, ["ts"]),
    ("java", "Java", L, ["jdk"]),
    ("kotlin", "Kotlin", L, ["kt"]),
    ("swift", "Swift", L, []),
    ("go", "Go", L, ["golang"]),
    ("rust", "Rust", L, ["rs"]),
    ("c", "C", L, ["ansi c"]),
    ("cpp", "C++", L, ["cplusplus", "cxx"]),
    ("csharp", "C#", L, ["c sharp", "cs"]),
    ("fsharp", "F#", L, ["f sharp"]),
    ("ruby", "Ruby", L, ["rb"]),
    ("php", "PHP", L, []),
    ("elixir", "Elixir", L, ["ex"]),
    ("erlang", "Erlang", L, ["erl"]),
    ("scala", "Scala", L, []),
    ("clojure", "Clojure", L, ["clj"]),
    ("haskell", "Haskell", L, ["hs"]),
    ("r", "R", L, ["rlang", "r language"]),
    ("julia", "Julia", L, ["jl"]),
    ("dart", "Dart", L, []),
    ("lua", "Lua", L, []),
    ("perl", "Perl", L, ["pl"]),
    ("shell", "Shell", L, ["bash", "sh", "zsh", "shell script"]),
    ("powershell", "PowerShell", L, ["pwsh", "ps1"]),
    ("sql", "SQL", L, ["plsql", "pl/pgsql"]),
    ("objective-c", "Objective-C", L, ["objc", "obj-c"]),
    ("groovy", "Groovy", L, []),
    ("zig", "Zig", L, []),
    ("ocaml", "OCaml", L, []),
    ("solidity", "Solidity", L, ["sol"]),
    ("webassembly", "WebAssembly", L, ["wasm"]),
    ("html", "HTML", L, ["html5"]),
    ("css", "CSS", L, ["css3"]),
    ("sass", "Sass", L, ["scss"]),
    ("cobol", "COBOL", L, []),
    ("matlab", "MATLAB", L, []),
    ("elm", "Elm", L, []),
    ("nodejs", "Node.js", P, ["node"]),
    ("deno", "Deno", P, []),
    ("bun", "Bun", P, []),
    ("dotnet", ".NET", P, ["dot net", "net core", "dotnet core"]),
    ("django", "Django", F, ["django rest framework", "drf"]),
    ("flask", "Flask", F, []),
    ("fastapi", "FastAPI", F, []),
    ("spring-boot", "Spring Boot", F, ["spring", "springboot"]),
    ("rails", "Ruby on Rails", F, ["ror", "rails"]),
    ("laravel", "Laravel", F, []),
    ("express", "Express", F, ["expressjs", "express.js"]),
    ("nestjs", "NestJS", F, ["nest"]),
    ("nextjs", "Next.js", F, ["next"]),
    ("nuxt", "Nuxt", F, ["nuxtjs"]),
    ("react", "React", F, ["reactjs", "react.js"]),
    ("react-native", "React Native", F, ["rn"]),
    ("vue", "Vue.js", F, ["vue", "vuejs"]),
    ("angular", "Angular", F, ["angularjs"]),
    ("svelte", "Svelte", F, ["sveltekit"]),
    ("jetpack-compose", "Jetpack Compose", F, ["compose"]),
    ("swiftui", "SwiftUI", F, []),
    ("flutter", "Flutter", F, []),
    ("aspnet-core", "ASP.NET Core", F, ["aspnet", "asp.net"]),
    ("phoenix", "Phoenix", F, []),
    ("gin", "Gin", F, ["gin gonic"]),
    ("pytorch", "PyTorch", F, ["torch"]),
    ("tensorflow", "TensorFlow", F, ["tf"]),
    ("pandas", "pandas", F, []),
    ("scikit-learn", "scikit-learn", F, ["sklearn"]),
    ("langchain", "LangChain", F, []),
    ("tailwind", "Tailwind CSS", F, ["tailwindcss"]),
    ("htmx", "htmx", F, []),
    ("quarkus", "Quarkus", F, []),
    ("ktor", "Ktor", F, []),
    ("electron", "Electron", F, []),
    ("tauri", "Tauri", F, []),
    ("channels", "Django Channels", F, ["django-channels"]),
    ("celery", "Celery", F, []),
    ("kubernetes", "Kubernetes", P, ["k8s", "kube"]),
    ("docker", "Docker", P, ["containers"]),
    ("aws", "AWS", P, ["amazon web services"]),
    ("gcp", "Google Cloud", P, ["google cloud platform"]),
    ("azure", "Azure", P, ["microsoft azure"]),
    ("terraform", "Terraform", P, ["tf cloud", "hcl"]),
    ("ansible", "Ansible", P, []),
    ("postgresql", "PostgreSQL", P, ["postgres", "pg", "psql"]),
    ("mysql", "MySQL", P, ["mariadb"]),
    ("mongodb", "MongoDB", P, ["mongo"]),
    ("redis", "Redis", P, []),
    ("opensearch", "OpenSearch", P, []),
    ("elasticsearch", "Elasticsearch", P, ["elastic"]),
    ("kafka", "Apache Kafka", P, ["kafka"]),
    ("rabbitmq", "RabbitMQ", P, ["rabbit"]),
    ("graphql", "GraphQL", P, ["gql"]),
    ("grpc", "gRPC", P, []),
    ("android", "Android", P, []),
    ("ios", "iOS", P, []),
    ("linux", "Linux", P, []),
    ("arduino", "Arduino", P, []),
    ("raspberry-pi", "Raspberry Pi", P, ["rpi", "raspberry"]),
    ("firebase", "Firebase", P, []),
    ("supabase", "Supabase", P, []),
    ("unity", "Unity", P, ["unity3d"]),
    ("openai-api", "OpenAI API", P, ["openai", "gpt", "chatgpt"]),
]


def seed(apps, schema_editor):
    Technology = apps.get_model("vocabulary", "Technology")
    for slug, name, kind, aliases in ENTRIES:
        Technology.objects.update_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "aliases": aliases}
        )


def unseed(apps, schema_editor):
    apps.get_model("vocabulary", "Technology").objects.filter(
        slug__in=[entry[0] for entry in ENTRIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("vocabulary", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
